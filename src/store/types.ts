/** Shapes shared by the store, the installer and the store commands. */

export interface ManifestFile {
  /** Path inside the wheel, `/`-separated, validated (no `..`, not absolute). */
  path: string;
  /** Lowercase hex sha256 of the content; the file lives at store/files/<2 hex>/<62 hex>. */
  sha256: string;
  size: number;
  /** 0o755 when the zip entry was executable, else 0o644 (the mode an installed copy gets). */
  mode: number;
}

/** store/wheels/<wheel sha256>.json: everything the installer needs without opening the zip. */
export interface WheelManifest {
  formatVersion: 1;
  /** sha256 of the whole .whl file. */
  sha256: string;
  filename: string;
  /** Project name and version as spelled in the dist-info folder name. */
  name: string;
  version: string;
  /** `<name>-<version>.dist-info`, the folder inside the wheel. */
  distInfo: string;
  /** Size of the .whl file. */
  size: number;
  files: ManifestFile[];
}

export interface StoreStatus {
  /** Content files in store/files. */
  files: number;
  /** Bytes those files take (each stored once). */
  uniqueBytes: number;
  /** Wheel manifests in store/wheels. */
  wheels: number;
  /** Bytes the manifests reference: what unpacking every wheel separately would take. */
  referencedBytes: number;
  /** referencedBytes / uniqueBytes (1 when empty). */
  ratio: number;
}

export interface GcResult {
  removedWheels: number;
  removedFiles: number;
  freedBytes: number;
}

export interface CorruptEntry {
  kind: "file" | "manifest";
  path: string;
  detail: string;
}

export interface VerifyResult {
  checkedFiles: number;
  checkedWheels: number;
  corrupted: CorruptEntry[];
}
