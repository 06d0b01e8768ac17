import { closeSync, openSync, readSync, fstatSync } from "node:fs";
import { errnoCode } from "../../core/errors.ts";
import { KbBusy, KbCorrupt, KbInaccessible } from "../errors.ts";

/**
 * SQLite happily treats an empty or short file as a new database and "repairs" it by writing a
 * fresh one, which would silently throw away history. So before opening an existing KB file we read
 * its 100-byte header (https://www.sqlite.org/fileformat.html#the_database_header): the magic
 * string, the page size and the page count must describe a file at least as long as the one on
 * disk. Damage deeper inside is caught when SQLite reports SQLITE_CORRUPT/SQLITE_NOTADB.
 */
const MAGIC = "SQLite format 3\0";

/** Returns false when the file does not exist; throws KbCorrupt when it exists but is damaged. */
export function checkKbFile(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return false;
    throw mapFsError(error, file);
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) throw new KbCorrupt(file, "the file is empty");
    const header = Buffer.alloc(100);
    const read = readSync(fd, header, 0, 100, 0);
    if (read < 100) throw new KbCorrupt(file, `the file is only ${size} bytes long`);
    if (header.toString("latin1", 0, 16) !== MAGIC) {
      throw new KbCorrupt(file, "it is not an SQLite database");
    }
    const rawPageSize = header.readUInt16BE(16);
    const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
    if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
      throw new KbCorrupt(file, `its header names an impossible page size ${rawPageSize}`);
    }
    const changeCounter = header.readUInt32BE(24);
    const pageCount = header.readUInt32BE(28);
    const validFor = header.readUInt32BE(92);
    // The in-header page count is only trustworthy when written by the same change (SQLite rule).
    if (pageCount > 0 && validFor === changeCounter && pageCount * pageSize > size) {
      throw new KbCorrupt(file, `it is truncated: ${size} of ${pageCount * pageSize} bytes`);
    }
    if (size % pageSize !== 0) {
      throw new KbCorrupt(file, `its length ${size} is not a whole number of ${pageSize}-byte pages`);
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

/** SQLite result codes (primary, low byte) that mean the file itself is damaged. */
const CORRUPT_CODES = new Set([11 /* SQLITE_CORRUPT */, 26 /* SQLITE_NOTADB */]);

function primaryCode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("errcode" in error)) return undefined;
  const code = (error as { errcode: unknown }).errcode;
  return typeof code === "number" ? code & 0xff : undefined;
}

/**
 * Maps SQLite's failures that the user can act on to KB errors; anything else (a bug) is returned
 * unchanged. Codes: https://www.sqlite.org/rescode.html
 */
export function mapSqliteError(error: unknown, file: string, busyTimeoutMs: number): unknown {
  const code = primaryCode(error);
  const detail = (error as { errstr?: string }).errstr ?? String(error);
  if (code === undefined) return error;
  if (CORRUPT_CODES.has(code)) return new KbCorrupt(file, detail, error);
  if (code === 5 /* BUSY */ || code === 6 /* LOCKED */) return new KbBusy(file, busyTimeoutMs, error);
  if (
    code === 3 /* PERM */ ||
    code === 8 /* READONLY */ ||
    code === 14 /* CANTOPEN */ ||
    code === 10 /* IOERR */ ||
    code === 13 /* FULL */
  ) {
    return new KbInaccessible(file, detail, error);
  }
  return error;
}

const ACCESS_CODES = new Set(["EACCES", "EPERM", "EROFS", "ENOSPC", "ENOTDIR", "EISDIR", "ELOOP"]);

/** A filesystem refusal while opening or creating the KB file, as a KB error naming the file. */
export function mapFsError(error: unknown, file: string): unknown {
  const code = errnoCode(error);
  if (code === undefined || !ACCESS_CODES.has(code)) return error;
  return new KbInaccessible(file, error instanceof Error ? error.message : code, error);
}
