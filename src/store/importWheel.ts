import { writeFileAtomicAsync } from "../core/atomicFs.ts";
import { nowMs } from "../core/clock.ts";
import { zlib } from "../core/lazyBuiltins.ts";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { errnoCode } from "../core/errors.ts";
import { createDebug } from "../core/debug.ts";
import { hashMismatch, noSpace, recordMismatch, wheelCorrupt, wheelMissing } from "./errors.ts";
import { BUFFERED_ENTRY_MAX_BYTES, IN_MEMORY_MAX_BYTES, readWheel, type WheelLimits } from "./readWheel.ts";
import { hexFromRecordHash, parseRecord } from "./record.ts";
import type { ManifestFile, WheelManifest } from "./types.ts";
import {
  contentHash,
  contentPath,
  writeBufferedContent,
  writeContent,
  type StoredContent,
  type WriteFaults,
} from "./writeContent.ts";

/**
 * Unpack a wheel into the store once: verify the whole-file hash, store every file by content, check
 * the wheel against its own RECORD, then write the manifest last. The manifest is the commit point:
 * without it the wheel is "not imported", and a failed import removes the content files it created,
 * so a failure leaves the store as it was.
 */

export interface StoreDirs {
  filesDir: string;
  wheelsDir: string;
  tmpDir: string;
}

export interface ImportOptions {
  /** Lowercase hex sha256 the index promised; the wheel is refused when it differs. */
  expectedSha256?: string;
  /** The wheel's real file name, when the file on disk has a temp name. */
  filename?: string;
  limits?: WheelLimits;
  faults?: WriteFaults;
  /**
   * Called once every content file is stored and checked, when only the manifest's durable write
   * (I/O, no CPU) is left: the import pool hands the worker its next wheel meanwhile.
   */
  onCommit?: () => void;
}

const debug = createDebug("store");

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

export function canonicalName(name: string): string {
  // TODO(standards): use canonicalizeName from src/standards once it is exported.
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("hex");
}

export function manifestPath(wheelsDir: string, sha256: string): string {
  return join(wheelsDir, `${sha256}.json`);
}

export function readManifest(wheelsDir: string, sha256: string): WheelManifest | undefined {
  let text: string;
  try {
    text = readFileSync(manifestPath(wheelsDir, sha256), "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  }
  return JSON.parse(text) as WheelManifest;
}

function complete(dirs: StoreDirs, manifest: WheelManifest): boolean {
  return manifest.files.every((f) => existsSync(contentPath(dirs.filesDir, f.sha256)));
}

/** The manifest of a wheel the store holds whole (every content file present), else undefined. */
export function completeManifest(dirs: StoreDirs, sha256: string): WheelManifest | undefined {
  const known = readManifest(dirs.wheelsDir, sha256.toLowerCase());
  return known && complete(dirs, known) ? known : undefined;
}

function splitFilename(wheel: string, filename: string): { name: string; version: string } {
  const parts = filename.replace(/\.whl$/, "").split("-");
  if (!filename.endsWith(".whl") || (parts.length !== 5 && parts.length !== 6)) {
    throw wheelCorrupt(wheel, `its file name ${JSON.stringify(filename)} is not a wheel name`);
  }
  return { name: parts[0]!, version: parts[1]! };
}

function findDistInfo(
  wheel: string,
  filename: string,
  paths: string[],
): { distInfo: string; name: string; version: string } {
  const expected = splitFilename(wheel, filename);
  const tops = new Set(paths.map((p) => p.split("/")[0]!).filter((p) => p.endsWith(".dist-info")));
  for (const top of tops) {
    const stem = top.slice(0, -".dist-info".length);
    const dash = stem.lastIndexOf("-");
    const name = stem.slice(0, dash);
    const version = stem.slice(dash + 1);
    if (
      canonicalName(name) === canonicalName(expected.name) &&
      version.toLowerCase() === expected.version.toLowerCase()
    ) {
      for (const required of ["METADATA", "WHEEL", "RECORD"]) {
        if (!paths.includes(`${top}/${required}`)) throw wheelCorrupt(wheel, `${top}/${required} is missing`);
      }
      return { distInfo: top, name, version };
    }
  }
  throw wheelCorrupt(wheel, `it has no ${expected.name}-${expected.version}.dist-info folder`);
}

/** Every file but RECORD's own signatures must be in RECORD with its true sha256 and size. */
function checkRecord(wheel: string, distInfo: string, files: ManifestFile[], recordText: string): void {
  const rows = new Map(parseRecord(recordText).map((r) => [r.path, r]));
  const exempt = new Set([`${distInfo}/RECORD`, `${distInfo}/RECORD.jws`, `${distInfo}/RECORD.p7s`]);
  for (const file of files) {
    if (exempt.has(file.path)) continue;
    const row = rows.get(file.path);
    if (!row) throw recordMismatch(wheel, `${file.path} is not listed in RECORD`);
    const hex = hexFromRecordHash(row.hash);
    if (hex === undefined)
      throw recordMismatch(
        wheel,
        `RECORD has no sha256 hash for ${file.path} (got ${JSON.stringify(row.hash)})`,
      );
    if (hex !== file.sha256) throw recordMismatch(wheel, `the sha256 of ${file.path} differs from RECORD`);
    if (row.size !== "" && Number(row.size) !== file.size)
      throw recordMismatch(wheel, `the size of ${file.path} is ${file.size}, RECORD says ${row.size}`);
  }
}

export async function importWheel(
  dirs: StoreDirs,
  wheelPath: string,
  options: ImportOptions = {},
): Promise<WheelManifest> {
  const filename = options.filename ?? basename(wheelPath);
  const startMs = nowMs();
  if (options.expectedSha256 !== undefined) {
    // Warm path: the index named the hash and the store already holds that wheel, verified when it
    // was imported, so the file on disk need not even be read (hashing numpy costs ~50 ms).
    const known = completeManifest(dirs, options.expectedSha256);
    if (known) return known;
  }
  let wheelSize: number;
  try {
    wheelSize = statSync(wheelPath).size;
  } catch (error) {
    if (errnoCode(error) === "ENOENT") throw wheelMissing(wheelPath);
    throw error;
  }
  // One read: the bytes that are hashed are the bytes that are unpacked.
  const contents = wheelSize <= IN_MEMORY_MAX_BYTES ? readFileSync(wheelPath) : undefined;
  const sha256 = contents ? contentHash(contents) : await hashFile(wheelPath);
  if (options.expectedSha256 !== undefined && options.expectedSha256.toLowerCase() !== sha256) {
    throw hashMismatch(filename, options.expectedSha256.toLowerCase(), sha256);
  }
  const existing = readManifest(dirs.wheelsDir, sha256);
  if (existing && complete(dirs, existing)) {
    debug(`${filename}: already in the store`);
    return existing;
  }
  mkdirSync(dirs.tmpDir, { recursive: true });
  mkdirSync(dirs.wheelsDir, { recursive: true });
  const files: ManifestFile[] = [];
  const created: string[] = [];
  const settle = (path: string, executable: boolean, stored: StoredContent): void => {
    if (stored.created) created.push(stored.sha256);
    files.push({ path, sha256: stored.sha256, size: stored.size, mode: executable ? 0o755 : 0o644 });
  };
  try {
    await readWheel(
      wheelPath,
      async (entry, content) => {
        if (!Buffer.isBuffer(content) && entry.size > BUFFERED_ENTRY_MAX_BYTES) {
          const stored = await writeContent(content, {
            filesDir: dirs.filesDir,
            tmpDir: dirs.tmpDir,
            executable: entry.executable,
            expectedCrc32: entry.crc32,
            wheel: filename,
            entry: entry.path,
            faults: options.faults,
          });
          settle(entry.path, entry.executable, stored);
          return;
        }
        const data = Buffer.isBuffer(content) ? content : await readAll(content as AsyncIterable<Buffer>);
        if (zlib().crc32(data) >>> 0 !== entry.crc32 >>> 0) {
          throw wheelCorrupt(filename, `the CRC-32 of ${entry.path} does not match the archive`);
        }
        const stored = writeBufferedContent(data, contentHash(data), {
          filesDir: dirs.filesDir,
          tmpDir: dirs.tmpDir,
          executable: entry.executable,
          faults: options.faults,
        });
        settle(entry.path, entry.executable, stored);
      },
      options.limits,
      contents,
    );
    checkTree(filename, files);
    const info = findDistInfo(
      filename,
      filename,
      files.map((f) => f.path),
    );
    const record = readFileSync(
      contentPath(dirs.filesDir, files.find((f) => f.path === `${info.distInfo}/RECORD`)!.sha256),
      "utf8",
    );
    checkRecord(filename, info.distInfo, files, record);
    const manifest: WheelManifest = {
      formatVersion: 1,
      sha256,
      filename,
      name: info.name,
      version: info.version,
      distInfo: info.distInfo,
      size: wheelSize,
      files,
    };
    options.onCommit?.();
    try {
      await writeFileAtomicAsync(manifestPath(dirs.wheelsDir, sha256), JSON.stringify(manifest));
    } catch (error) {
      if (errnoCode(error) === "ENOSPC" || errnoCode(error) === "EDQUOT")
        throw noSpace(dirs.wheelsDir, error);
      throw error;
    }
    debug(
      `${filename}: stored ${files.length} files, ${created.length} new, in ${(nowMs() - startMs).toFixed(0)} ms`,
    );
    return manifest;
  } catch (error) {
    for (const hash of created) rmSync(contentPath(dirs.filesDir, hash), { force: true });
    throw error;
  }
}

/** A path used both as a file and as a folder cannot be installed; refuse it before linking. */
function checkTree(wheel: string, files: ManifestFile[]): void {
  const paths = new Set(files.map((f) => f.path));
  for (const path of paths) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      if (paths.has(prefix)) throw wheelCorrupt(wheel, `${prefix} is both a file and a folder`);
    }
  }
}
