import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { fsPromises } from "./lazyBuiltins.ts";

/**
 * Every write to config, shims, environments and the store goes through here: write a sibling temp
 * file, fsync it, rename it over the target, fsync the folder. A process killed at any point leaves
 * either the old or the new file, never a torn one (rename is atomic within one filesystem, which is
 * why the temp file is a sibling and not in /tmp).
 */

// pid + a random suffix is unique enough: temp files are opened with O_EXCL ("wx"), so a clash fails
// loudly instead of clobbering. (node:crypto is not used: loading it costs milliseconds on `swap`.)
function tempSibling(path: string): string {
  const suffix = Math.floor(Math.random() * 2 ** 32).toString(16);
  return join(dirname(path), `.${basename(path)}.${process.pid}.${suffix}.tmp`);
}

export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory (EINVAL/EISDIR); the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface AtomicWriteOptions {
  mode?: number;
  /** Skip the directory fsync when many files are written into one folder and synced once after. */
  syncDir?: boolean;
}

export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  const fd = openSync(tmp, "wx", options.mode ?? 0o644);
  try {
    const buffer = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let offset = 0;
    while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  if (options.syncDir !== false) fsyncDir(dirname(path));
}

/**
 * writeFileAtomic through libuv's thread pool: the same steps and temp names, but the fsyncs (which
 * wait on the disk: over 100 ms in all when other writes queue up) do not stall the calling thread,
 * whose CPU work can go on meanwhile (the store's import threads commit manifests this way).
 */
export async function writeFileAtomicAsync(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const fsp = fsPromises();
  await fsp.mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  const file = await fsp.open(tmp, "wx", options.mode ?? 0o644);
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (error) {
    await file.close();
    await fsp.rm(tmp, { force: true });
    throw error;
  }
  await file.close();
  try {
    await fsp.rename(tmp, path);
  } catch (error) {
    await fsp.rm(tmp, { force: true });
    throw error;
  }
  if (options.syncDir === false) return;
  let folder;
  try {
    folder = await fsp.open(dirname(path), "r");
    await folder.sync();
  } catch {
    // As fsyncDir: a filesystem may refuse fsync on a directory; the rename is still atomic.
  } finally {
    await folder?.close();
  }
}

/**
 * Point `linkPath` at `target` atomically: create the new symlink under a temp name, then rename it
 * over the old one. Readers see the old target or the new one, never a missing link.
 */
export function symlinkAtomic(target: string, linkPath: string, options: { syncDir?: boolean } = {}): void {
  mkdirSync(dirname(linkPath), { recursive: true });
  const tmp = tempSibling(linkPath);
  symlinkSync(target, tmp);
  try {
    renameSync(tmp, linkPath);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  if (options.syncDir !== false) fsyncDir(dirname(linkPath));
}

/** A staging directory beside `finalPath`, on the same filesystem, for build-then-rename installs. */
export function makeStagingDir(finalPath: string): string {
  const dir = tempSibling(finalPath);
  mkdirSync(dir, { recursive: true });
  return dir;
}
