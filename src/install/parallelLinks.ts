import { chmodSync, constants, copyFileSync, linkSync, mkdirSync, writeFileSync } from "node:fs";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { errnoCode } from "../core/errors.ts";
import { createDebug } from "../core/debug.ts";
import { poolSize } from "../store/importPool.ts";
import type { Linker } from "../store/index.ts";

/**
 * Staging a big install is mostly kernel time: one mkdir per folder (~100 µs each on ext4 here) and
 * one link(2) per file, ~400 and ~4,700 of them for numpy + pandas. The main thread is blocked in
 * those calls while the second core idles, so a helper thread takes folders from the same list.
 *
 * Design points:
 * - Synchronous for the caller: the transaction stays one synchronous sequence (journal after the
 *   last staged file, nothing else runs in between). The main thread works through the list itself
 *   and blocks (Atomics.wait) only for the unit the helper is still on.
 * - Work split by package tree, from both ends: folders are grouped into units (a tree the journal
 *   moves in whole, e.g. `numpy/`; a unit over an eighth of the work is split by subfolder), sorted
 *   biggest first. The helper claims units from the front, the main thread from the back (it
 *   starts later: it first does the caller's other staging work), until they meet on small units,
 *   so neither waits long for the other. mkdir(2) and link(2) lock the parent folder, and mkdir is
 *   the costly call (it allocates an inode; ext4 without a journal skips every inode deleted in
 *   the last minutes while looking for one: 15 to 150 µs each here, after an `rm -rf` of a venv
 *   the most); two threads in different trees rarely wait for each other's parent, while claiming
 *   folder by folder from one counter had them creating siblings in the same parent. A helper
 *   that boots late or never costs little: the main thread has simply done more (but starting a
 *   worker also costs the main thread a few ms: ~2 ms in the constructor, a few ms of stalls).
 *   Folders are made with mkdir -p, so a unit claimed before its parent's is still fine (both sides
 *   accept an existing folder: it is in our fresh staging area).
 * - Files the installer writes itself (RECORD, INSTALLER, ...) are bytes in the same lists: each
 *   creates an inode, as costly as a mkdir here, so they are shared too.
 * - Only plain hard links go to the helper: the first linked file is staged by the Linker on the main
 *   thread, which detects the filesystem's method (and warns once on copy); only when that method
 *   is hard link, for a Linker that says its files may be hard-linked directly, does the rest run
 *   in parallel. A file that cannot be linked (EMLINK: the inode's link limit) is copied, like the
 *   Linker does. Anything else is staged by the Linker on the main thread, one file after another.
 * - Folders first: while the caller still plans (RECORD rows, the transaction's list), the helper
 *   already makes the staged folders of the wheels planned so far (makeFolders), so mkdir, the
 *   costly call, overlaps the main thread's JS. Staging's mkdir -p then finds them.
 * - The helper is a tiny worker evaluated from a string (no module graph to load or find). A worker
 *   needs ~25 ms to boot, longer than planning takes, so a command may start one early
 *   (prestartLinkHelper, e.g. before resolving) for the next installWheels to use; else it is
 *   started when installWheels begins. unref()'d so it never keeps the process alive.
 *   OMNIPKG_IMPORT_THREADS=0 or 1 (or a one-core machine) turns it off.
 * - The first error on either side stops both; the caller sees it with its errno code (ENOSPC
 *   becomes NO_SPACE upstream), only after the helper has stopped touching the staging folder.
 */

export interface LinkFile {
  /** Store file to link; or */
  src?: string;
  /** the bytes to write (a new file with `mode`). */
  data?: Uint8Array;
  /** Staged path (does not exist yet). */
  dest: string;
  mode: number;
}

export interface LinkFolder {
  dir: string;
  files: LinkFile[];
  /**
   * The tree this folder belongs to (a folder path, `dir` or one above it): folders of one tree
   * are staged by one thread when possible.
   */
  unit: string;
}

/** Below this many files the helper's start-up is not paid back. */
export const MIN_PARALLEL_FILES = 400;

/** What one mkdir costs in links (measured on ext4 here: ~15-150 µs against 3-5 µs). */
const MKDIR_COST = 20;

const debug = createDebug("install");

// ctl[0]: 1 to stop (an error on either side, or close); ctl[1]: helper state; ctl[2]: 1 when the
// helper failed; ctl[3]: 1 while the helper makes early folders (makeFolders).
const STOP = 0;
const STATE = 1;
const FAILED = 2;
const BUSY = 3;
const IDLE = 0;
const RUNNING = 1;
const CLOSED = 2;
const DONE = 3;

/**
 * Copy of the main thread's loop (stage and stageFile below), for the worker: plain JS, no imports.
 * It claims units from the front: claimed[u] goes 0 → 1 for whichever thread takes unit u first.
 * The work comes as one string of NUL-separated tokens (see encodeUnits), which crosses to the
 * worker as one copy and splits natively, where thousands of small objects took milliseconds to
 * clone on one side and to rebuild on the other before the helper could start.
 */
const HELPER_SOURCE = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const ctl = new Int32Array(workerData.ctl);
const port = workerData.port;
const FALLBACK = new Set(${JSON.stringify(["EXDEV", "EMLINK", "EPERM", "EACCES", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"])});
port.on("message", ({ folders, text, modes, spans, data, claimed: claimedBuffer }) => {
  if (folders !== undefined) {
    // Early folders: BUSY is raised before STOP and STATE are read (close() stores those, then
    // reads BUSY), so either this batch sees the close or close() waits for it.
    Atomics.store(ctl, ${BUSY}, 1);
    try {
      if (Atomics.load(ctl, ${STATE}) === ${IDLE})
        for (const dir of folders.split("\\0")) {
          if (Atomics.load(ctl, ${STOP}) !== 0) break;
          fs.mkdirSync(dir, { recursive: true });
        }
    } catch {
      // Only a head start: the folder is made again, and fails with its error, when it is staged.
    }
    Atomics.store(ctl, ${BUSY}, 0);
    Atomics.notify(ctl, ${BUSY});
    return;
  }
  if (Atomics.compareExchange(ctl, ${STATE}, ${IDLE}, ${RUNNING}) !== ${IDLE}) return port.close();
  const claimed = new Int32Array(claimedBuffer);
  try {
    const tokens = text.split("\\0");
    for (let i = 0, u = -1, k = -1; i < tokens.length; i++) {
      const token = tokens[i];
      if (token === "\\u0001") {
        if (Atomics.compareExchange(claimed, ++u, 0, 1) !== 0) break;
      } else if (token[0] === "\\u0002") {
        if (Atomics.load(ctl, ${STOP}) !== 0) break;
        fs.mkdirSync(token.slice(1), { recursive: true });
      } else {
        const dest = tokens[++i];
        k++;
        if (token === "") {
          fs.writeFileSync(dest, data.subarray(spans[2 * k], spans[2 * k + 1]), { mode: modes[k], flag: "wx" });
          continue;
        }
        try {
          fs.linkSync(token, dest);
        } catch (error) {
          if (!FALLBACK.has(error && error.code)) throw error;
          fs.copyFileSync(token, dest, fs.constants.COPYFILE_EXCL);
          fs.chmodSync(dest, modes[k]);
        }
      }
    }
  } catch (error) {
    Atomics.store(ctl, ${STOP}, 1);
    port.postMessage({ message: String(error && error.message), code: error && error.code, syscall: error && error.syscall, path: error && error.path });
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.store(ctl, ${STATE}, ${DONE});
  Atomics.notify(ctl, ${STATE});
  port.close();
});
`;

/**
 * The helper's copy of `units`, made without a new string per file: `text` holds NUL-separated
 * tokens: "\u0001" starts a unit, "\u0002<dir>" a folder (mkdir -p), then two per file: the store
 * file ("" for written bytes) and the dest. NUL cannot occur in a path, and neither control
 * character starts an absolute path. `modes[k]` is the mode of the k-th file, and written file k's
 * bytes are data[spans[2k]..spans[2k+1]].
 */
export function encodeUnits(units: LinkFolder[][]): {
  text: string;
  modes: Uint32Array;
  spans: Uint32Array;
  data: Uint8Array;
} {
  const tokens: string[] = [];
  let files = 0;
  for (const unit of units) for (const folder of unit) files += folder.files.length;
  const modes = new Uint32Array(files);
  const spans = new Uint32Array(2 * files);
  const chunks: Uint8Array[] = [];
  let k = 0;
  let offset = 0;
  for (const unit of units) {
    tokens.push("\u0001");
    for (const folder of unit) {
      tokens.push("\u0002" + folder.dir);
      for (const f of folder.files) {
        tokens.push(f.src ?? "", f.dest);
        modes[k] = f.mode;
        if (f.src === undefined) {
          spans[2 * k] = offset;
          offset += f.data!.length;
          spans[2 * k + 1] = offset;
          chunks.push(f.data!);
        }
        k++;
      }
    }
  }
  // One buffer: a Buffer from Node's pool would carry its whole 8 KB pool across.
  return { text: tokens.join("\0"), modes, spans, data: Buffer.concat(chunks, offset) };
}

const FALLBACK_TO_COPY = new Set(["EXDEV", "EMLINK", "EPERM", "EACCES", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

export interface LinkHelper {
  /**
   * Stage every folder (mkdir -p, then its files), sharing the work with the helper thread.
   * `alongside` (other staging work of the caller) runs on this thread once the helper has its
   * list, before this thread takes its share of links.
   */
  stage(folders: LinkFolder[], linker: Linker, alongside?: () => void): void;
  /**
   * Let the helper make these (staged) folders now, while the caller still plans: mkdir is the
   * costly call of staging. Only folders staging will use, since a folder made here stays.
   */
  makeFolders(dirs: string[]): void;
  /**
   * Stop the helper (always call, also after stage); when it returns, the helper no longer
   * touches the staging folder.
   */
  close(): void;
}

let prestarted: LinkHelper | undefined;

/**
 * Start the helper thread now, so it has booted when the next installWheels stages its links
 * (call it as early as a command knows it may install: a worker's boot overlaps the resolution).
 * Harmless when nothing is installed after all: the helper is unref()'d and waits idle.
 */
export function prestartLinkHelper(): void {
  prestarted ??= spawnHelper();
}

/** Start (or take the prestarted) helper thread for a big install, or undefined when there is no core to spare. */
export function startLinkHelper(fileCount: number): LinkHelper | undefined {
  const early = prestarted;
  prestarted = undefined;
  if (fileCount < MIN_PARALLEL_FILES) {
    early?.close();
    return undefined;
  }
  return early ?? spawnHelper();
}

function spawnHelper(): LinkHelper | undefined {
  if (poolSize() < 2) return undefined;
  let worker: Worker;
  let port: MessagePort;
  const ctl = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  try {
    const channel = new MessageChannel();
    port = channel.port1;
    worker = new Worker(HELPER_SOURCE, {
      eval: true,
      workerData: { ctl: ctl.buffer, port: channel.port2 },
      transferList: [channel.port2],
      // The helper only calls fs: a small heap keeps its start-up cheap.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
  } catch (error) {
    debug(`no link helper (${String(error)}): staging on the main thread`);
    return undefined;
  }
  worker.unref();
  port.unref();
  worker.on("error", (error) => debug(`link helper failed: ${String(error)}`));
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    // A helper that has not started staging yet never will; one that finished is gone already.
    Atomics.compareExchange(ctl, STATE, IDLE, CLOSED);
    // Early folders stop at the next one; wait for the one in progress.
    Atomics.store(ctl, STOP, 1);
    while (Atomics.load(ctl, BUSY) !== 0) Atomics.wait(ctl, BUSY, 1, 1000);
    port.close();
    void worker.terminate().catch(() => undefined);
  };
  return {
    makeFolders(dirs) {
      if (!closed && dirs.length > 0) port.postMessage({ folders: dirs.join("\0") });
    },
    stage(folders, linker, alongside) {
      if (folders.length === 0) {
        close();
        alongside?.();
        return;
      }
      // The Linker links the first store file: it detects the method (and warns once when it
      // copies). Its folder's other files follow below like any other's (mkdir -p accepts it).
      const first = folders.find((folder) => folder.files.some((f) => f.src !== undefined));
      if (first !== undefined) {
        const index = first.files.findIndex((f) => f.src !== undefined);
        const file = first.files[index]!;
        mkdirSync(first.dir, { recursive: true });
        linker.linkFile(file.src!, file.dest, file.mode);
        first.files = first.files.filter((_, i) => i !== index);
      }
      if (closed || first === undefined || !linker.hardLinksInto?.(first.dir)) {
        close();
        stageSerially(folders, linker);
        alongside?.();
        return;
      }
      const units = planUnits(folders);
      const claimed = new Int32Array(new SharedArrayBuffer(units.length * Int32Array.BYTES_PER_ELEMENT));
      port.postMessage({ ...encodeUnits(units), claimed: claimed.buffer });
      let mainError: unknown;
      try {
        alongside?.();
        for (let u = units.length - 1; u >= 0 && Atomics.compareExchange(claimed, u, 0, 1) === 0; u--) {
          for (const folder of units[u]!) {
            if (Atomics.load(ctl, STOP) !== 0) break;
            mkdirSync(folder.dir, { recursive: true });
            for (const f of folder.files) stageFile(f);
          }
        }
      } catch (error) {
        mainError = error;
        Atomics.store(ctl, STOP, 1);
      }
      // Wait for the helper's last unit: nothing may touch the staging area after we return.
      if (Atomics.compareExchange(ctl, STATE, IDLE, CLOSED) !== IDLE) {
        while (Atomics.load(ctl, STATE) !== DONE) Atomics.wait(ctl, STATE, RUNNING, 1000);
      }
      const helperError = Atomics.load(ctl, FAILED) === 1 ? receiveError(port) : undefined;
      close();
      if (mainError !== undefined) throw mainError;
      if (helperError !== undefined) throw helperError;
    },
    close,
  };
}

/**
 * Group folders into units by tree (LinkFolder.unit), split a unit bigger than an eighth of the work
 * into its subfolders' trees (so one big package is still shared), biggest first. Folder order
 * within a unit is kept: parents before children, as planned.
 */
export function planUnits(folders: LinkFolder[]): LinkFolder[][] {
  const costOf = (list: LinkFolder[]): number => list.reduce((n, f) => n + MKDIR_COST + f.files.length, 0);
  const byTree = new Map<string, LinkFolder[]>();
  for (const folder of folders) {
    const tree = byTree.get(folder.unit);
    if (tree === undefined) byTree.set(folder.unit, [folder]);
    else tree.push(folder);
  }
  const limit = costOf(folders) / 8;
  const units: Array<{ cost: number; folders: LinkFolder[] }> = [];
  const add = (root: string, list: LinkFolder[]): void => {
    const cost = costOf(list);
    if (cost <= limit || list.length === 1) {
      units.push({ cost, folders: list });
      return;
    }
    // Below `root`: one part per next path segment; the root folder itself (or anything not
    // below it, which a caller should not send) is a part of its own.
    const parts = new Map<string, LinkFolder[]>();
    for (const folder of list) {
      let key = folder.dir;
      if (folder.dir.startsWith(root + "/")) {
        const slash = folder.dir.indexOf("/", root.length + 1);
        key = slash === -1 ? folder.dir : folder.dir.slice(0, slash);
      }
      const part = parts.get(key);
      if (part === undefined) parts.set(key, [folder]);
      else part.push(folder);
    }
    if (parts.size === 1) {
      // Everything is below one subfolder: look one level deeper (paths are finite).
      const [key, part] = [...parts][0]!;
      if (key === root) units.push({ cost, folders: part });
      else add(key, part);
      return;
    }
    for (const [key, part] of parts) add(key, part);
  };
  for (const [root, list] of byTree) add(root, list);
  return units.sort((a, b) => b.cost - a.cost).map((u) => u.folders);
}

function stageFile(f: LinkFile): void {
  if (f.src === undefined) {
    writeFileSync(f.dest, f.data!, { mode: f.mode, flag: "wx" });
    return;
  }
  try {
    linkSync(f.src, f.dest);
  } catch (error) {
    if (!FALLBACK_TO_COPY.has(errnoCode(error) ?? "")) throw error;
    copyFileSync(f.src, f.dest, constants.COPYFILE_EXCL);
    chmodSync(f.dest, f.mode);
  }
}

/** Without a helper (or when the method is not hard link): the Linker stages every store file. */
export function stageSerially(folders: LinkFolder[], linker: Linker): void {
  for (const folder of folders) {
    mkdirSync(folder.dir, { recursive: true });
    for (const f of folder.files) {
      if (f.src === undefined) writeFileSync(f.dest, f.data!, { mode: f.mode, flag: "wx" });
      else linker.linkFile(f.src, f.dest, f.mode);
    }
  }
}

function receiveError(port: MessagePort): Error {
  const data = receiveMessageOnPort(port)?.message as
    { message: string; code?: string; syscall?: string; path?: string } | undefined;
  const error = new Error(data?.message ?? "The link helper thread failed.") as NodeJS.ErrnoException;
  if (data?.code !== undefined) error.code = data.code;
  if (data?.syscall !== undefined) error.syscall = data.syscall;
  if (data?.path !== undefined) error.path = data.path;
  return error;
}
