import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadIndexSettings, type IndexFlags, type IndexSettings } from "../../src/index/index.ts";
import type { ServedProject } from "../helpers/indexServer.ts";

/** Settings built only from flags: an empty fake HOME and /etc, no environment, a temp cache. */
export function settingsFor(flags: IndexFlags, cacheDir?: string): IndexSettings {
  const empty = mkdtempSync(join(tmpdir(), "omnipkg-index-empty-"));
  try {
    return loadIndexSettings({
      env: {},
      homeDir: empty,
      systemConfigDir: empty,
      cacheDir: cacheDir ?? join(empty, "cache"),
      flags: { retries: 2, timeoutSec: 5, ...flags },
    });
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}

export function tempDir(prefix = "omnipkg-index-"): { path: string; [Symbol.dispose](): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

export const METADATA_1 = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: idna\n\n";
export const METADATA_2 = "Metadata-Version: 2.1\nName: demo\nVersion: 2.0\nRequires-Python: >=3.8\n\n";

/** A small project with a metadata file, a yanked file, upload times and a Requires-Python. */
export function demoProject(): ServedProject {
  return {
    project: "Demo_Pkg",
    files: [
      {
        filename: "demo_pkg-1.0-py3-none-any.whl",
        bytes: "wheel one bytes",
        metadata: METADATA_1.replace("demo", "demo-pkg"),
        uploadTime: "2024-01-02T03:04:05.000000Z",
      },
      {
        filename: "demo_pkg-2.0-py3-none-any.whl",
        bytes: "wheel two bytes, a little longer",
        requiresPython: ">=3.8,<4",
        yanked: "broken build",
        metadata: METADATA_2.replace("demo", "demo-pkg"),
        uploadTime: "2024-02-03T04:05:06.000000Z",
      },
      { filename: "demo_pkg-2.0.tar.gz", bytes: "sdist bytes", yanked: true },
    ],
  };
}
