import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { createDebug } from "../core/debug.ts";

/**
 * One JSON value per file, for caches of *derived* data (parsed index pages, parsed wheel
 * metadata): the first line is the sha256 of the rest, so a damaged or half-copied file reads as a
 * miss, never as a wrong value. Anything unexpected on read (missing, unreadable, bad checksum, bad
 * JSON) is a miss: a cache must never fail a command.
 *
 * Writes are temp file + rename (readers see the old file or the new one, never a torn one) but
 * not fsynced, like the HTTP cache: losing an entry to a power cut only costs a re-parse, whereas
 * fsyncing one small file per page and per wheel would dominate a cold resolution. That is also why
 * this does not use core/atomicFs.ts `writeFileAtomic`, which always fsyncs the file.
 */

const debug = createDebug("index");

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function readCacheFile(path: string): unknown {
  let data: string;
  try {
    data = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const newline = data.indexOf("\n");
  if (newline !== 64) return undefined;
  const json = data.slice(newline + 1);
  if (digest(json) !== data.slice(0, newline)) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/** Folders already created by this process (one mkdir per folder, not one per entry). */
const madeDirs = new Set<string>();

export function writeCacheFile(path: string, value: unknown): void {
  const json = JSON.stringify(value);
  const dir = dirname(path);
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    if (!madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      madeDirs.add(dir);
    }
    const fd = openSync(tmp, "wx", 0o644);
    try {
      writeSync(fd, `${digest(json)}\n${json}`);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    // A full disk or a read-only home only costs the next run a re-parse.
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing was created (the folder is unusable).
    }
    debug(`cache write failed: ${(error as Error).message}`);
  }
}
