import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { importPool } from "./importPool.ts";
import {
  completeManifest,
  importWheel,
  readManifest,
  type ImportOptions,
  type StoreDirs,
} from "./importWheel.ts";
import { collectGarbage, storeStatus, verifyStore } from "./maintenance.ts";
import type { GcResult, StoreStatus, VerifyResult, WheelManifest } from "./types.ts";
import { contentPath, type WriteFaults } from "./writeContent.ts";

/**
 * The store is a folder passed in (the home's `store/`, or a test's temp dir); no globals. It holds
 * `files/<2 hex>/<62 hex>` (content by sha256, read-only; `.tmp-…` names there are temps about to
 * be renamed into place), `wheels/<wheel sha256>.json` (manifests) and `tmp/` (temps of streamed
 * entries, on the same filesystem, so commits are renames and links). Cold imports run on worker
 * threads (importPool.ts).
 */
export interface Store {
  dir: string;
  importWheel(wheelPath: string, options?: ImportOptions): Promise<WheelManifest>;
  /** The manifest of an imported wheel, or undefined. */
  manifest(wheelSha256: string): WheelManifest | undefined;
  /** Path of the content file with this sha256 (hex). */
  filePath(sha256: string): string;
  status(): StoreStatus;
  gc(liveWheelHashes: Iterable<string>): GcResult;
  verify(): Promise<VerifyResult>;
}

export interface StoreOptions {
  faults?: WriteFaults;
}

export function createStore(storeDir: string, storeOptions: StoreOptions = {}): Store {
  const dirs: StoreDirs = {
    filesDir: join(storeDir, "files"),
    wheelsDir: join(storeDir, "wheels"),
    tmpDir: join(storeDir, "tmp"),
  };
  const ensure = (): void => {
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  };
  return {
    dir: storeDir,
    async importWheel(wheelPath, options = {}) {
      ensure();
      const { faults = storeOptions.faults, ...plain } = options;
      // Injected faults are functions, which cannot cross to a worker: those imports stay here.
      if (faults) return importWheel(dirs, wheelPath, { ...plain, faults });
      // Warm path on this thread: a wheel already stored costs no worker and no read of the file.
      const known =
        plain.expectedSha256 === undefined ? undefined : completeManifest(dirs, plain.expectedSha256);
      if (known) return known;
      const pool = importPool();
      return pool ? pool.run(dirs, wheelPath, plain) : importWheel(dirs, wheelPath, plain);
    },
    manifest: (sha256) => readManifest(dirs.wheelsDir, sha256.toLowerCase()),
    filePath: (sha256) => contentPath(dirs.filesDir, sha256),
    status: () => storeStatus(dirs),
    gc: (live) => collectGarbage(dirs, live),
    verify: () => verifyStore(dirs),
  };
}
