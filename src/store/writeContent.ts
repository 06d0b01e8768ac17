import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { join, sep } from "node:path";
import type { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import { errnoCode } from "../core/errors.ts";
import { noSpace, wheelCorrupt } from "./errors.ts";

/**
 * Put one file's bytes into store/files/<2 hex>/<62 hex>. The name is the content's sha256, known
 * only after the last byte, so the bytes go to a temp file in store/tmp (same filesystem) first.
 *
 * Races and crashes:
 * - The final path is created with link(temp, final), which fails with EEXIST instead of
 *   clobbering: two importers of the same content cannot both "create" it, and a file at a final
 *   path is always complete (it was whole before it got its name). A kill -9 leaves at most a temp.
 * - On a clash the existing file is kept (it is hard-linked into environments; replacing its inode
 *   would split the dedup) unless its size is wrong, i.e. damaged: then the temp is renamed over it.
 * - Files are created read-only (0444, or 0555 when the entry was executable), so an environment
 *   that hard-links them cannot edit the shared copy by accident.
 * - Speed: a cold import of numpy + pandas (3,500 files) is dominated by creating inodes, not by
 *   bytes. Small entries are hashed in memory first, so content already stored costs one stat and
 *   no write (writeBufferedContent); large entries stream through a temp file (writeContent).
 *   Writing through libuv's thread pool instead was measured: more CPU, no faster on 2 cores.
 */

export interface StoredContent {
  sha256: string;
  size: number;
  /** True when this call created the final file (an import that fails removes what it created). */
  created: boolean;
}

export interface WriteFaults {
  /** Called before each write(2); tests throw an ENOSPC error here to simulate a full disk. */
  beforeWrite?: (path: string, bytes: number) => void;
}

let counter = 0;

export function contentPath(filesDir: string, sha256: string): string {
  // Called once per file of every install: concatenation, not join()'s normalization, on POSIX.
  return sep === "/" && !filesDir.endsWith("/")
    ? `${filesDir}/${sha256.slice(0, 2)}/${sha256.slice(2)}`
    : join(filesDir, sha256.slice(0, 2), sha256.slice(2));
}

function writeAll(fd: number, chunk: Buffer): void {
  let offset = 0;
  while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
}

export async function writeContent(
  stream: Readable,
  options: {
    filesDir: string;
    tmpDir: string;
    executable: boolean;
    expectedCrc32: number;
    wheel: string;
    entry: string;
    faults?: WriteFaults;
  },
): Promise<StoredContent> {
  const tmp = join(options.tmpDir, `${process.pid}-${counter++}-${randomBytes(3).toString("hex")}`);
  const fd = openSync(tmp, "wx", options.executable ? 0o555 : 0o444);
  const hash = createHash("sha256");
  let crc = 0;
  let size = 0;
  try {
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        crc = crc32(chunk, crc);
        size += chunk.length;
        options.faults?.beforeWrite?.(tmp, chunk.length);
        writeAll(fd, chunk);
      }
    } finally {
      closeSync(fd);
    }
    if (crc >>> 0 !== options.expectedCrc32 >>> 0) {
      throw wheelCorrupt(options.wheel, `the CRC-32 of ${options.entry} does not match the archive`);
    }
    const sha256 = hash.digest("hex");
    const final = contentPath(options.filesDir, sha256);
    const created = commit(tmp, final, size);
    return { sha256, size, created };
  } catch (error) {
    stream.destroy();
    if (errnoCode(error) === "ENOSPC" || errnoCode(error) === "EDQUOT") throw noSpace(options.tmpDir, error);
    throw error;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function commit(tmp: string, final: string, size: number): boolean {
  for (let attempt = 0; ; attempt++) {
    try {
      linkSync(tmp, final);
      return true;
    } catch (error) {
      const code = errnoCode(error);
      if (code === "ENOENT" && attempt === 0) {
        mkdirSync(join(final, ".."), { recursive: true });
        continue;
      }
      if (code !== "EEXIST") throw error;
      let existingSize = -1;
      try {
        existingSize = statSync(final).size;
      } catch {
        // vanished between link and stat (a concurrent gc): take the slot with our copy
      }
      if (existingSize !== size) renameSync(tmp, final);
      return false;
    }
  }
}

export interface BufferedContentOptions {
  filesDir: string;
  tmpDir: string;
  executable: boolean;
  faults?: WriteFaults;
}

/** Hash of `data` as the store names it. */
export function contentHash(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Store bytes already in memory (hash known), with the same temp + link(2) protocol. */
export function writeBufferedContent(
  data: Buffer,
  sha256: string,
  options: BufferedContentOptions,
): StoredContent {
  const final = contentPath(options.filesDir, sha256);
  // Deduplicated content: one stat instead of creating and deleting a temp file.
  if (existsSync(final) && statSync(final).size === data.length)
    return { sha256, size: data.length, created: false };
  const tmp = join(options.tmpDir, `${process.pid}-${counter++}-${randomBytes(3).toString("hex")}`);
  try {
    const fd = openSync(tmp, "wx", options.executable ? 0o555 : 0o444);
    try {
      options.faults?.beforeWrite?.(tmp, data.length);
      writeAll(fd, data);
    } finally {
      closeSync(fd);
    }
    return { sha256, size: data.length, created: commit(tmp, final, data.length) };
  } catch (error) {
    if (errnoCode(error) === "ENOSPC" || errnoCode(error) === "EDQUOT") throw noSpace(options.tmpDir, error);
    throw error;
  } finally {
    rmSync(tmp, { force: true });
  }
}
