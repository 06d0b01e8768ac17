import { lstatSync, readdirSync, type Stats } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../core/errors.ts";

/**
 * Bytes a set of files takes, counted by inode. The content-addressed store hard-links one file into
 * main, every bubble and other environments, so summing path sizes would count shared bytes many
 * times over (the Python omnipkg reported file counts instead of bytes, which says nothing about
 * disk use). Rules:
 * - each inode counts once within the measured set (two paths linking the same file are one file);
 * - an inode is "shared" when it has more links than the set itself holds (`st_nlink` beyond the
 *   paths we saw): the same bytes are also reachable from the store, main or another bubble, so
 *   removing this set would not free them;
 * - regular files only; symlinks are never followed (a bubble never needs one, and following them
 *   could walk out of the environment).
 * Sizes are apparent sizes (`st_size`), which is what "bytes" means to the user and what tests can
 * predict; block rounding is the filesystem's business.
 */
export interface ByteUsage {
  /** Paths of regular files seen (a file linked twice in the set counts twice here). */
  files: number;
  /** Bytes of the distinct inodes. */
  sizeBytes: number;
  /** Bytes of the distinct inodes that are also linked from outside the set. */
  sharedBytes: number;
}

interface InodeTally {
  size: number;
  nlink: number;
  seen: number;
}

/** Accumulates files by inode; `add` ignores anything that is not a regular file. */
class UsageCounter {
  private readonly inodes = new Map<string, InodeTally>();
  private files = 0;

  add(stats: Stats): void {
    if (!stats.isFile()) return;
    this.files += 1;
    const key = `${stats.dev}:${stats.ino}`;
    const tally = this.inodes.get(key);
    if (tally) tally.seen += 1;
    else this.inodes.set(key, { size: stats.size, nlink: stats.nlink, seen: 1 });
  }

  result(): ByteUsage {
    let sizeBytes = 0;
    let sharedBytes = 0;
    for (const tally of this.inodes.values()) {
      sizeBytes += tally.size;
      if (tally.nlink > tally.seen) sharedBytes += tally.size;
    }
    return { files: this.files, sizeBytes, sharedBytes };
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** Every regular file under `dir` (a bubble folder), recursively, without following symlinks. */
export function measureTree(dir: string): ByteUsage {
  const counter = new UsageCounter();
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch (error) {
      // A folder removed while we walk (a concurrent uninstall renames bubbles to trash) is gone, not an error.
      if (errnoCode(error) === "ENOENT") continue;
      throw error;
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) {
        const stats = lstatOrUndefined(path);
        if (stats) counter.add(stats);
      }
    }
  }
  return counter.result();
}

/** The given files (a distribution's RECORD entries); missing paths are skipped, as pip show does. */
export function measureFiles(paths: Iterable<string>): ByteUsage {
  const counter = new UsageCounter();
  for (const path of new Set(paths)) {
    const stats = lstatOrUndefined(path);
    if (stats) counter.add(stats);
  }
  return counter.result();
}
