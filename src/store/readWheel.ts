import { zlib } from "../core/lazyBuiltins.ts";
import { readFileSync, statSync } from "node:fs";
import type { Readable } from "node:stream";
import type { Entry as ZipEntry, ZipFile } from "yauzl";
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
 * - Zip bombs: the central directory's sizes are checked against limits before inflating, and the
 *   declared size is binding: an in-memory entry must inflate to exactly that many bytes, and
 *   yauzl's `validateEntrySizes` enforces it while streaming.
 * - CRC: yauzl does not check CRC-32, so it is computed here over the inflated bytes.
 * - A truncated file has no end-of-central-directory record: yauzl fails on open.
 *
 * Speed: a wheel up to IN_MEMORY_MAX_BYTES is read into memory once, and its small entries are
 * sliced out of that buffer and inflated synchronously (one zlib call instead of a read stream,
 * an inflate stream and two reads per entry: numpy + pandas are 3,500 entries). The slice is bounded
 * by the buffer, the local header's signature is checked, and the inflated size must be exactly
 * the declared one, so this path refuses what the streaming one refuses. Such a wheel's central
 * directory is parsed here too (readCentralDirectory), in one synchronous pass, and every entry is
 * checked before the first is inflated; yauzl reads only what that parser leaves to it (zip64,
 * legacy name encodings, entries too large for one buffer, wheels too large for memory). Measured
 * on a cold install of 20 distributions: ~0.1 s less CPU than yauzl's events and per-entry reads.
 *
 * Large entries of an in-memory wheel are inflated the same way, in one call into one buffer of
 * their declared size, up to INFLATE_IN_MEMORY_MAX_BYTES: numpy's two big shared libraries (36 MB)
 * through a read stream and an async inflate stream cost ~2,200 16 KiB chunks, each a callback, a
 * hash update, a CRC update and a write(2), plus a temp in store/tmp and a link. Larger entries
 * still stream, so memory stays bounded by the wheel plus one such entry.
 */

export const IN_MEMORY_MAX_BYTES = 256 * 1024 ** 2;
/** Entries of a streamed wheel up to this size are read into a Buffer (importWheel); larger ones stream. */
export const BUFFERED_ENTRY_MAX_BYTES = 4 * 1024 ** 2;
/** Entries of an in-memory wheel up to this size are inflated in one call; larger ones stream. */
export const INFLATE_IN_MEMORY_MAX_BYTES = 64 * 1024 ** 2;
const LOCAL_HEADER_SIG = 0x04034b50;

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

/** The entry's bytes: inflated in memory (small entries of an in-memory wheel), else a stream. */
export type EntryHandler = (entry: WheelEntry, content: Readable | Buffer) => Promise<void>;

/** The fields of a central-directory record this module uses (a subset of yauzl's Entry). */
interface RawEntry {
  fileName: string;
  generalPurposeBitFlag: number;
  compressionMethod: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  externalFileAttributes: number;
  relativeOffsetOfLocalHeader: number;
}

/** The inflated bytes of a small entry, read straight from the wheel in memory. */
function inflateFromBuffer(wheel: string, zipBuffer: Buffer, entry: RawEntry): Buffer {
  if ((entry.generalPurposeBitFlag & 0x1) !== 0)
    throw wheelCorrupt(wheel, `the entry ${JSON.stringify(entry.fileName)} is encrypted`);
  const at = entry.relativeOffsetOfLocalHeader;
  if (at + 30 > zipBuffer.length || zipBuffer.readUInt32LE(at) !== LOCAL_HEADER_SIG)
    throw wheelCorrupt(wheel, `the local header of ${JSON.stringify(entry.fileName)} is invalid`);
  const start = at + 30 + zipBuffer.readUInt16LE(at + 26) + zipBuffer.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > zipBuffer.length)
    throw wheelCorrupt(wheel, `the entry ${JSON.stringify(entry.fileName)} runs past the end of the file`);
  const raw = zipBuffer.subarray(start, end);
  let data: Buffer;
  if (entry.compressionMethod === 0) data = raw;
  else if (entry.compressionMethod === 8) {
    try {
      // One byte of slack, so that a stream longer than declared is caught by the size check.
      // One output chunk of the declared size (+1) instead of 16 KiB chunks joined afterwards.
      data = zlib().inflateRawSync(raw, {
        maxOutputLength: entry.uncompressedSize + 1,
        chunkSize: Math.max(64, entry.uncompressedSize + 1),
      });
    } catch (error) {
      throw wheelCorrupt(wheel, `the entry ${JSON.stringify(entry.fileName)} does not inflate`, error);
    }
  } else
    throw wheelCorrupt(
      wheel,
      `the entry ${JSON.stringify(entry.fileName)} uses compression method ${entry.compressionMethod}`,
    );
  if (data.length !== entry.uncompressedSize)
    throw wheelCorrupt(
      wheel,
      `the entry ${JSON.stringify(entry.fileName)} is ${data.length} bytes, the archive says ${entry.uncompressedSize}`,
    );
  return data;
}

/** Per-archive state of the entry checks: names seen, bytes declared so far. */
interface EntryChecks {
  seen: Set<string>;
  totalBytes: number;
}

/**
 * The checks every entry passes before a byte of it is inflated: a safe, unique name, no link or
 * special file, and sizes within the limits. Undefined for a directory entry (nothing to store).
 */
function checkEntry(
  wheel: string,
  entry: RawEntry,
  checks: EntryChecks,
  limits: WheelLimits,
): WheelEntry | undefined {
  const name = entry.fileName;
  checkEntryName(wheel, name);
  if (checks.seen.has(name)) throw wheelUnsafe(wheel, `the entry ${JSON.stringify(name)} appears twice`);
  checks.seen.add(name);
  const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff;
  const type = unixMode & S_IFMT;
  if (type === S_IFLNK) throw wheelUnsafe(wheel, `the entry ${JSON.stringify(name)} is a symbolic link`);
  if (name.endsWith("/")) return undefined;
  if (type !== 0 && type !== S_IFREG)
    throw wheelUnsafe(wheel, `the entry ${JSON.stringify(name)} is not a regular file`);
  checks.totalBytes += entry.uncompressedSize;
  if (checks.totalBytes > limits.maxTotalBytes)
    throw wheelUnsafe(wheel, `it inflates to more than ${limits.maxTotalBytes} bytes`);
  if (
    entry.uncompressedSize > 16 * 1024 ** 2 &&
    entry.uncompressedSize > entry.compressedSize * limits.maxRatio
  )
    throw wheelUnsafe(
      wheel,
      `the entry ${JSON.stringify(name)} has a compression ratio typical of a zip bomb`,
    );
  return {
    path: name,
    size: entry.uncompressedSize,
    crc32: entry.crc32,
    executable: (unixMode & 0o111) !== 0,
  };
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const CENTRAL_SIG = 0x02014b50;
const UNICODE_PATH_EXTRA = 0x7075;

/**
 * The central directory of a wheel held in memory, read in one synchronous pass (the lean path).
 *
 * Why not yauzl here: for an archive already in memory, yauzl still reads each record through
 * callbacks, copies it into a fresh Buffer and emits an event per entry, and the import awaits a
 * promise per entry on top: numpy + pandas are 2,800 entries. This reader refuses what yauzl
 * refuses for the archives it accepts: a missing end record, a comment length that does not
 * match (bytes after the end record), several disks, a record without its signature or running
 * past the end of the file, a malformed extra field, strong encryption, a stored entry whose two
 * sizes differ; names get the same checks afterwards (checkEntry), and data the same bounds, local
 * header, size and CRC checks.
 *
 * Undefined when the archive needs what only yauzl does: zip64 fields, names in a legacy code page
 * (non-ASCII bytes without the UTF-8 flag, or an Info-ZIP Unicode path field), or an entry too
 * large to inflate in one piece. The caller then uses yauzl, so such a wheel is read exactly as
 * before.
 */
export function readCentralDirectory(
  wheel: string,
  buf: Buffer,
  limits: WheelLimits,
): RawEntry[] | undefined {
  let eocd = -1;
  for (let i = buf.length - 22, stop = Math.max(0, buf.length - 22 - 0xffff); i >= stop; i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0)
    throw wheelCorrupt(wheel, "it has no end of central directory record (not a zip file, or truncated)");
  if (eocd >= 20 && buf.readUInt32LE(eocd - 20) === ZIP64_LOCATOR_SIG) return undefined;
  if (buf.readUInt16LE(eocd + 20) !== buf.length - eocd - 22)
    throw wheelCorrupt(wheel, "the length of its comment is wrong (extra bytes at the end of the file?)");
  if (buf.readUInt16LE(eocd + 4) !== 0) throw wheelCorrupt(wheel, "multi-disk zip files are not supported");
  const count = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) return undefined;
  if (count > limits.maxEntries)
    throw wheelUnsafe(wheel, `it has ${count} entries, more than the limit of ${limits.maxEntries}`);
  const entries: RawEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (offset + 46 > buf.length)
      throw wheelCorrupt(wheel, "its central directory runs past the end of the file");
    if (buf.readUInt32LE(offset) !== CENTRAL_SIG)
      throw wheelCorrupt(wheel, `the central directory record ${n} has no valid signature`);
    const flags = buf.readUInt16LE(offset + 8);
    const compressedSize = buf.readUInt32LE(offset + 20);
    const uncompressedSize = buf.readUInt32LE(offset + 24);
    const nameLength = buf.readUInt16LE(offset + 28);
    const extraLength = buf.readUInt16LE(offset + 30);
    const commentLength = buf.readUInt16LE(offset + 32);
    const localHeader = buf.readUInt32LE(offset + 42);
    const nameStart = offset + 46;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > buf.length) throw wheelCorrupt(wheel, "its central directory runs past the end of the file");
    if (flags & 0x40) throw wheelCorrupt(wheel, "it uses strong encryption, which is not supported");
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localHeader === 0xffffffff)
      return undefined;
    if (uncompressedSize > INFLATE_IN_MEMORY_MAX_BYTES) return undefined;
    const utf8 = (flags & 0x800) !== 0;
    for (let at = extraStart, end = extraStart + extraLength; at < end - 3;) {
      const dataEnd = at + 4 + buf.readUInt16LE(at + 2);
      if (dataEnd > end) throw wheelCorrupt(wheel, "an extra field of its central directory is too long");
      if (!utf8 && buf.readUInt16LE(at) === UNICODE_PATH_EXTRA) return undefined;
      at = dataEnd;
    }
    if (!utf8) for (let i = nameStart; i < extraStart; i++) if (buf[i]! >= 0x80) return undefined;
    const fileName = buf.toString(utf8 ? "utf8" : "latin1", nameStart, extraStart);
    const method = buf.readUInt16LE(offset + 10);
    if (method === 0 && (flags & 0x1) === 0 && compressedSize !== uncompressedSize)
      throw wheelCorrupt(
        wheel,
        `the stored entry ${JSON.stringify(fileName)} is ${compressedSize} bytes, the archive says ${uncompressedSize}`,
      );
    entries.push({
      fileName,
      generalPurposeBitFlag: flags,
      compressionMethod: method,
      crc32: buf.readUInt32LE(offset + 16),
      compressedSize,
      uncompressedSize,
      externalFileAttributes: buf.readUInt32LE(offset + 38),
      relativeOffsetOfLocalHeader: localHeader,
    });
    offset = next;
  }
  return entries;
}

/** Calls `onEntry` for every regular file in order; the handler must consume the stream. */
export async function readWheel(
  wheelPath: string,
  onEntry: EntryHandler,
  limits: WheelLimits = DEFAULT_LIMITS,
  /** The wheel's bytes when the caller already read them (importWheel hashes them first). */
  contents?: Buffer,
): Promise<void> {
  let zipBuffer: Buffer | undefined = contents;
  if (!zipBuffer)
    try {
      if (statSync(wheelPath).size <= IN_MEMORY_MAX_BYTES) zipBuffer = readFileSync(wheelPath);
    } catch {
      // yauzl.open reports a missing or unreadable file in its own words
    }
  if (zipBuffer) {
    const entries = readCentralDirectory(wheelPath, zipBuffer, limits);
    if (entries) {
      // Every entry is checked before any is inflated: a refused wheel writes nothing.
      const checks: EntryChecks = { seen: new Set(), totalBytes: 0 };
      const infos = entries.map((entry) => checkEntry(wheelPath, entry, checks, limits));
      try {
        for (let i = 0; i < entries.length; i++) {
          const info = infos[i];
          if (info) await onEntry(info, inflateFromBuffer(wheelPath, zipBuffer, entries[i]!));
        }
      } catch (error) {
        throw classify(wheelPath, error);
      }
      return;
    }
  }
  // Loaded here, not at start-up: a warm install never opens a wheel.
  const { default: yauzl } = await import("yauzl");
  const zip = await new Promise<ZipFile>((resolve, reject) => {
    const options = { lazyEntries: true, autoClose: true, strictFileNames: true, validateEntrySizes: true };
    const done = (error: Error | null, zipfile: ZipFile): void =>
      error ? reject(mapYauzlError(wheelPath, error)) : resolve(zipfile);
    if (zipBuffer) yauzl.fromBuffer(zipBuffer, options, done);
    else yauzl.open(wheelPath, options, done);
  });
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw wheelUnsafe(
      wheelPath,
      `it has ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`,
    );
  }
  const checks: EntryChecks = { seen: new Set(), totalBytes: 0 };
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
    zip.on("entry", (entry: ZipEntry) => {
      handle(entry).then(
        () => {
          if (!failed) zip.readEntry();
        },
        (error: unknown) => fail(error),
      );
    });
    const handle = async (entry: ZipEntry): Promise<void> => {
      const info = checkEntry(wheelPath, entry, checks, limits);
      if (!info) return;
      if (zipBuffer && entry.uncompressedSize <= INFLATE_IN_MEMORY_MAX_BYTES) {
        await onEntry(info, inflateFromBuffer(wheelPath, zipBuffer, entry));
        return;
      }
      let stream: Readable;
      try {
        stream = await zip.openReadStreamPromise(entry);
      } catch (error) {
        throw mapYauzlError(wheelPath, error);
      }
      await onEntry(info, stream);
    };
    zip.readEntry();
  });
}
