// Public API of the content-addressed store (see docs/architecture.md, "Store").
export { createStore, type Store, type StoreOptions } from "./createStore.ts";
export { createLinker, type Linker, type LinkerOptions, type LinkMethod } from "./linker.ts";
export { StoreError } from "./errors.ts";
export {
  parseRecord,
  formatRecord,
  quoteField,
  recordHashFromHex,
  recordHashesFromHex,
  hexFromRecordHash,
  type RecordRow,
} from "./record.ts";
export { canonicalName } from "./importWheel.ts";
export type { ImportOptions } from "./importWheel.ts";
export type { WriteFaults } from "./writeContent.ts";
export type {
  CorruptEntry,
  GcResult,
  ManifestFile,
  StoreStatus,
  VerifyResult,
  WheelManifest,
} from "./types.ts";
