import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { isOmnipkgError } from "../core/errors.ts";
import { wheelCorrupt, wheelUnsafe } from "./errors.ts";

/**
 * Walk a wheel's zip entries one at a time, refusing anything unsafe before a byte is written.
 *
 * Traps (wheels are untrusted data):
 * - Names: `..` segments, absolute paths, drive letters (`C:`), backslashes (Windows would read
 *   `a\..\..\x` as a traversal; yauzl would silently turn `\` into `/` unless `strictFileNames`),
 *   NUL and control characters, empty or `.` segments, and the same name twice (the second copy
 *   would win on extraction and dodge the RECORD check of the first).
 * - Symlink entries: a Unix mode of S_IFLNK in the high 16 bits of the external attributes. A link
 *   followed by a file under it writes anywhere, so links are refused outright.
 * - Zip bombs: the central directory's sizes are checked against limits before inflating, and
 *   yauzl's `validateEntrySizes` makes the declared size binding while streaming.
 * - CRC: yauzl does not check CRC-32, so it is computed here over the inflated bytes.
 * - A truncated file has no end-of-central-directory record: yauzl fails on open.
 */

export interface WheelLimits {
  maxEntries: number;
  maxTotalBytes: number;
  /** Inflated/compressed ratio above which a large entry is treated as a bomb. */
  maxRatio: number;
}

export const DEFAULT_LIMITS: WheelLimits = {
  maxEntries: 500_000,
  // The largest real wheels (CUDA builds) inflate to a few GiB.
  maxTotalBytes: 16 * 1024 ** 3,
  maxRatio: 1000,
};

export interface WheelEntry {
  path: string;
  size: number;
  crc32: number;
  executable: boolean;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;

export function checkEntryName(wheel: string, name: string): void {
  // The trailing slash of a directory entry is not a segment.
  const body = name.endsWith("/") ? name.slice(0, -1) : name;
  if (body === "") throw wheelUnsafe(wheel, `it has an entry with an empty name`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw wheelUnsafe(wheel, `the entry ${JSON.stringify(name)} has control characters`);
  if (name.includes("\\")) throw wheelUnsafe(wheel, `the entry ${JSON.stringify(name)} contains a backslash`);
  if (name.startsWith("/")) throw wheelUnsafe(wheel, `the entry ${JSON.stringify(name)} is an absolute path`);
  if (/^[A-Za-z]:/.test(name))
    throw wheelUnsafe(wheel, `the entry ${JSON.stringify(name)} starts with a drive letter`);
  for (const segment of body.split("/")) {
    if (segment === "..")
      throw wheelUnsafe(wheel, `the entry ${JSON.stringify(name)} escapes the wheel with ".."`);
    if (segment === "" || segment === ".")
      throw wheelUnsafe(wheel, `the entry ${JSON.stringify(name)} has an empty or "." path segment`);
  }
}

function mapYauzlError(wheel: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/absolute path|invalid relative path|invalid characters in fileName/.test(message)) {
    return wheelUnsafe(wheel, message);
  }
  return wheelCorrupt(wheel, message, error);
}

/**
 * Our own errors and file-system errors (they carry `syscall`, e.g. ENOSPC) pass through; anything
 * else thrown while inflating (bad deflate data, size or CRC mismatch) means a damaged archive.
 */
function classify(wheel: string, error: unknown): unknown {
  if (isOmnipkgError(error)) return error;
  if (typeof error === "object" && error !== null && "syscall" in error) return error;
  return mapYauzlError(wheel, error);
}

export type EntryHandler = (entry: WheelEntry, stream: Readable) => Promise<void>;

/** Calls `onEntry` for every regular file in order; the handler must consume the stream. */
export async function readWheel(
  wheelPath: string,
  onEntry: EntryHandler,
  limits: WheelLimits = DEFAULT_LIMITS,
): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(
      wheelPath,
      { lazyEntries: true, autoClose: true, strictFileNames: true, validateEntrySizes: true },
      (error, zipfile) => (error ? reject(mapYauzlError(wheelPath, error)) : resolve(zipfile)),
    );
  });
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw wheelUnsafe(
      wheelPath,
      `it has ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`,
    );
  }
  const seen = new Set<string>();
  let totalBytes = 0;
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      if (zip.isOpen) zip.close();
      reject(classify(wheelPath, error));
    };
    zip.on("error", (error: unknown) => fail(mapYauzlError(wheelPath, error)));
    zip.on("end", () => {
      if (!failed) resolve();
    });
    zip.on("entry", (entry: yauzl.Entry) => {
      handle(entry).then(
        () => {
          if (!failed) zip.readEntry();
        },
        (error: unknown) => fail(error),
      );
    });
    const handle = async (entry: yauzl.Entry): Promise<void> => {
      const name = entry.fileName;
      checkEntryName(wheelPath, name);
      if (seen.has(name)) throw wheelUnsafe(wheelPath, `the entry ${JSON.stringify(name)} appears twice`);
      seen.add(name);
      const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff;
      const type = unixMode & S_IFMT;
      if (type === S_IFLNK)
        throw wheelUnsafe(wheelPath, `the entry ${JSON.stringify(name)} is a symbolic link`);
      if (name.endsWith("/")) return;
      if (type !== 0 && type !== S_IFREG)
        throw wheelUnsafe(wheelPath, `the entry ${JSON.stringify(name)} is not a regular file`);
      totalBytes += entry.uncompressedSize;
      if (totalBytes > limits.maxTotalBytes)
        throw wheelUnsafe(wheelPath, `it inflates to more than ${limits.maxTotalBytes} bytes`);
      if (
        entry.uncompressedSize > 16 * 1024 ** 2 &&
        entry.uncompressedSize > entry.compressedSize * limits.maxRatio
      )
        throw wheelUnsafe(
          wheelPath,
          `the entry ${JSON.stringify(name)} has a compression ratio typical of a zip bomb`,
        );
      let stream: Readable;
      try {
        stream = await zip.openReadStreamPromise(entry);
      } catch (error) {
        throw mapYauzlError(wheelPath, error);
      }
      await onEntry(
        {
          path: name,
          size: entry.uncompressedSize,
          crc32: entry.crc32,
          executable: (unixMode & 0o111) !== 0,
        },
        stream,
      );
    };
    zip.readEntry();
  });
}
