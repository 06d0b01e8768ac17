import { lstatSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { HomeLayout } from "../core/home.ts";

/**
 * The caches under `<home>/cache/` that only make things faster: deleting any of them changes no
 * answer (each is re-filled on the next miss, and every reader treats a missing or damaged entry
 * as a miss). `cache/probes` is not here: listings read it instead of opening the knowledge base.
 */
export const CACHE_FOLDERS = ["http", "pages", "wheel-facts", "candidates", "resolutions"] as const;

export interface CacheFolderStatus {
  name: string;
  path: string;
  files: number;
  bytes: number;
}

function sizeOf(path: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  let entries: string[];
  try {
    entries = readdirSync(path);
  } catch {
    return { files, bytes };
  }
  for (const name of entries) {
    const child = join(path, name);
    const st = lstatSync(child, { throwIfNoEntry: false });
    if (st === undefined) continue;
    if (st.isDirectory()) {
      const inner = sizeOf(child);
      files += inner.files;
      bytes += inner.bytes;
    } else {
      files += 1;
      bytes += st.size;
    }
  }
  return { files, bytes };
}

export function cacheStatus(layout: HomeLayout): CacheFolderStatus[] {
  return CACHE_FOLDERS.map((name) => {
    const path = join(layout.cacheDir, name);
    return { name, path, ...sizeOf(path) };
  });
}

/**
 * Remove every cache folder. Each is first renamed aside (one atomic step: a concurrent reader sees
 * the whole folder or none of it), then deleted. Returns what was there.
 */
export function cleanCache(layout: HomeLayout): CacheFolderStatus[] {
  const before = cacheStatus(layout);
  for (const folder of before) {
    const trash = join(layout.cacheDir, `.trash-${folder.name}-${randomBytes(4).toString("hex")}`);
    try {
      renameSync(folder.path, trash);
    } catch {
      continue; // not there
    }
    rmSync(trash, { recursive: true, force: true });
  }
  return before;
}
