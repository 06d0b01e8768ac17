import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";

/**
 * Real `.whl` files for tests, built in memory with a tiny zip writer on node:zlib: a correct
 * `RECORD` (sha256, urlsafe base64 without padding, sizes), `WHEEL`, `METADATA` and optional
 * `entry_points.txt` and `.data/` trees. Attack cases (`../evil`, absolute paths, symlink entries,
 * duplicate names, a lying RECORD) are added through `rawEntries` and `recordOverrides`, so every
 * fault test starts from an otherwise valid wheel.
 */

export interface RawZipEntry {
  /** Name exactly as written into the zip, unchecked (may be `../evil`, `/etc/x`, `a\\b`). */
  name: string;
  data?: string | Uint8Array;
  /** Unix mode put into the external attributes (0o100644 by default; 0o120777 for a symlink). */
  unixMode?: number;
  /** Store uncompressed (method 0) instead of deflate. */
  stored?: boolean;
  /** Write this CRC instead of the real one (a corrupt archive). */
  crcOverride?: number;
}

export interface WheelSpec {
  name: string;
  version: string;
  /** Files under the wheel root, e.g. {"pkg/__init__.py": "x = 1\n"}. */
  files?: Record<string, string | Uint8Array>;
  requiresDist?: string[];
  /** Extras: {socks: ["PySocks>=1.5"]} adds Provides-Extra and `; extra == "socks"` requirements. */
  extras?: Record<string, string[]>;
  requiresPython?: string;
  /** PEP 425 tag, default py3-none-any. */
  tag?: string;
  rootIsPurelib?: boolean;
  wheelVersion?: string;
  entryPoints?: { console_scripts?: Record<string, string>; gui_scripts?: Record<string, string> };
  /** `.data/` trees: {scripts: {"tool": "#!python\n..."}, headers: {...}, data: {"share/x": ...}}. */
  data?: Partial<
    Record<"purelib" | "platlib" | "scripts" | "headers" | "data", Record<string, string | Uint8Array>>
  >;
  /** Paths (as in the zip) that get mode 0755. */
  executables?: string[];
  /** Extra entries appended after the regular ones (not listed in RECORD). */
  rawEntries?: RawZipEntry[];
  /** Replace a RECORD line's hash,size for a path: {"pkg/a.py": "sha256=AAAA,3"}. */
  recordOverrides?: Record<string, string>;
  /** Leave RECORD out of the wheel altogether. */
  omitRecord?: boolean;
}

export interface BuiltWheel {
  filename: string;
  path: string;
  bytes: Buffer;
  sha256: string;
  distInfo: string;
}

export function recordHash(data: Uint8Array): string {
  return "sha256=" + createHash("sha256").update(data).digest("base64url");
}

function toBytes(data: string | Uint8Array | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
}

/** Minimal PKZIP writer: local headers, data, central directory, end record (no zip64). */
export function writeZip(entries: RawZipEntry[]): Buffer {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8");
    const data = toBytes(entry.data);
    const crc = entry.crcOverride ?? crc32(data);
    const body = entry.stored ? data : deflateRawSync(data);
    const method = entry.stored ? 0 : 8;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(0, 10); // time/date
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    chunks.push(local, name, body);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x800, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt32LE(0, 12);
    header.writeUInt32LE(crc >>> 0, 16);
    header.writeUInt32LE(body.length, 20);
    header.writeUInt32LE(data.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(0, 30);
    header.writeUInt16LE(0, 32);
    header.writeUInt16LE(0, 34);
    header.writeUInt16LE(0, 36);
    header.writeUInt32LE(((entry.unixMode ?? 0o100644) << 16) >>> 0, 38);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    offset += local.length + name.length + body.length;
  }
  const centralBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, centralBytes, end]);
}

export function escapeName(name: string): string {
  return name.replace(/[-_.]+/g, "_");
}

export function metadataText(spec: WheelSpec): string {
  const lines = ["Metadata-Version: 2.1", `Name: ${spec.name}`, `Version: ${spec.version}`];
  if (spec.requiresPython) lines.push(`Requires-Python: ${spec.requiresPython}`);
  for (const req of spec.requiresDist ?? []) lines.push(`Requires-Dist: ${req}`);
  for (const [extra, reqs] of Object.entries(spec.extras ?? {})) {
    lines.push(`Provides-Extra: ${extra}`);
    for (const req of reqs) lines.push(`Requires-Dist: ${req} ; extra == "${extra}"`);
  }
  return lines.join("\n") + "\n\n";
}

function entryPointsText(spec: WheelSpec): string | undefined {
  if (!spec.entryPoints) return undefined;
  let text = "";
  for (const [group, items] of Object.entries(spec.entryPoints)) {
    text += `[${group}]\n`;
    for (const [key, value] of Object.entries(items ?? {})) text += `${key} = ${value}\n`;
    text += "\n";
  }
  return text;
}

export function buildWheelBytes(spec: WheelSpec): { filename: string; bytes: Buffer; distInfo: string } {
  const tag = spec.tag ?? "py3-none-any";
  const base = `${escapeName(spec.name)}-${spec.version}`;
  const distInfo = `${base}.dist-info`;
  const executables = new Set(spec.executables ?? []);
  const regular: Array<[string, Buffer]> = [];
  for (const [path, data] of Object.entries(spec.files ?? {})) regular.push([path, toBytes(data)]);
  for (const [key, tree] of Object.entries(spec.data ?? {})) {
    for (const [path, data] of Object.entries(tree ?? {}))
      regular.push([`${base}.data/${key}/${path}`, toBytes(data)]);
  }
  regular.push([`${distInfo}/METADATA`, toBytes(metadataText(spec))]);
  const wheelText =
    `Wheel-Version: ${spec.wheelVersion ?? "1.0"}\nGenerator: omnipkg-tests\n` +
    `Root-Is-Purelib: ${spec.rootIsPurelib === false ? "false" : "true"}\nTag: ${tag}\n`;
  regular.push([`${distInfo}/WHEEL`, toBytes(wheelText)]);
  const eps = entryPointsText(spec);
  if (eps !== undefined) regular.push([`${distInfo}/entry_points.txt`, toBytes(eps)]);
  let record = "";
  for (const [path, data] of regular) {
    const fields = spec.recordOverrides?.[path] ?? `${recordHash(data)},${data.length}`;
    record += `${path},${fields}\n`;
  }
  record += `${distInfo}/RECORD,,\n`;
  const entries: RawZipEntry[] = regular.map(([name, data]) => ({
    name,
    data,
    unixMode: executables.has(name) ? 0o100755 : 0o100644,
  }));
  if (!spec.omitRecord) entries.push({ name: `${distInfo}/RECORD`, data: record });
  entries.push(...(spec.rawEntries ?? []));
  return { filename: `${base}-${tag}.whl`, bytes: writeZip(entries), distInfo };
}

/** Build the wheel and write it to `outDir` (a fresh temp dir when omitted). */
export function buildWheel(spec: WheelSpec, outDir?: string): BuiltWheel {
  const { filename, bytes, distInfo } = buildWheelBytes(spec);
  const dir = outDir ?? mkdtempSync(join(tmpdir(), "omnipkg-wheel-"));
  const path = join(dir, filename);
  writeFileSync(path, bytes);
  return { filename, path, bytes, sha256: createHash("sha256").update(bytes).digest("hex"), distInfo };
}
