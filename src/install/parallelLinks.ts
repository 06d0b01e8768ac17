import { chmodSync, constants, copyFileSync, linkSync, mkdirSync } from "node:fs";
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
 *   and blocks (Atomics.wait) only for the folder the helper is still on.
 * - Work stealing by folder: both threads claim the next folder from one shared counter, so a
 *   helper that boots late (a worker needs ~25 ms) or never costs nothing: the main thread has
 *   simply done more. Folders are made with mkdir -p, so a folder claimed before its parent is
 *   finished is still fine (both sides accept an existing folder: it is in our fresh staging area).
 * - Only plain hard links go to the helper: the first file is linked by the Linker on the main
 *   thread, which detects the filesystem's method (and warns once on copy); only when that method
 *   is hard link, for a Linker that says its files may be hard-linked directly, does the rest run
 *   in parallel. A file that cannot be linked (EMLINK: the inode's link limit) is copied, like the
 *   Linker does. Anything else is staged by the Linker on the main thread, one file after another.
 * - The helper is a tiny worker evaluated from a string (no module graph to load or find), started
 *   before planning so it boots while the main thread plans; unref()'d so it never keeps the
 *   process alive. OMNIPKG_IMPORT_THREADS=0 or 1 (or a one-core machine) turns it off.
 * - The first error on either side stops both; the caller sees it with its errno code (ENOSPC
 *   becomes NO_SPACE upstream), only after the helper has stopped touching the staging folder.
 */

export interface LinkFile {
  /** Store file. */
  src: string;
  /** Staged path (does not exist yet). */
  dest: string;
  mode: number;
}

export interface LinkFolder {
  dir: string;
  files: LinkFile[];
}

/** Below this many files the helper's start-up is not paid back. */
export const MIN_PARALLEL_FILES = 400;

const debug = createDebug("install");

// ctl[0]: next folder to claim; ctl[1]: helper state; ctl[2]: 1 when the helper failed.
const NEXT = 0;
const STATE = 1;
const FAILED = 2;
const IDLE = 0;
const RUNNING = 1;
const CLOSED = 2;
const DONE = 3;

/** Copy of the main thread's loop (stageFolder below), for the worker: plain JS, no imports. */
const HELPER_SOURCE = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const ctl = new Int32Array(workerData.ctl);
const port = workerData.port;
const FALLBACK = new Set(${JSON.stringify(["EXDEV", "EMLINK", "EPERM", "EACCES", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"])});
port.once("message", (folders) => {
  if (Atomics.compareExchange(ctl, ${STATE}, ${IDLE}, ${RUNNING}) !== ${IDLE}) return port.close();
  try {
    for (let i = Atomics.add(ctl, ${NEXT}, 1); i < folders.length; i = Atomics.add(ctl, ${NEXT}, 1)) {
      const folder = folders[i];
      fs.mkdirSync(folder.dir, { recursive: true });
      for (const f of folder.files) {
        try {
          fs.linkSync(f.src, f.dest);
        } catch (error) {
          if (!FALLBACK.has(error && error.code)) throw error;
          fs.copyFileSync(f.src, f.dest, fs.constants.COPYFILE_EXCL);
          fs.chmodSync(f.dest, f.mode);
        }
      }
    }
  } catch (error) {
    Atomics.store(ctl, ${NEXT}, folders.length);
    port.postMessage({ message: String(error && error.message), code: error && error.code, syscall: error && error.syscall, path: error && error.path });
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.store(ctl, ${STATE}, ${DONE});
  Atomics.notify(ctl, ${STATE});
  port.close();
});
`;

const FALLBACK_TO_COPY = new Set(["EXDEV", "EMLINK", "EPERM", "EACCES", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

export interface LinkHelper {
  /** Stage every folder (mkdir -p, then its files), sharing the work with the helper thread. */
  stage(folders: LinkFolder[], linker: Linker): void;
  /** Stop the helper if it is still waiting (always call, also after stage). */
  close(): void;
}

/** Start a helper thread for a big install, or undefined when there is no core to spare. */
export function startLinkHelper(fileCount: number): LinkHelper | undefined {
  if (fileCount < MIN_PARALLEL_FILES || poolSize() < 2) return undefined;
  let worker: Worker;
  let port: MessagePort;
  const ctl = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
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
  worker.on("error", (error) => debug(`link helper failed: ${String(error)}`));
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    // A helper that has not started yet never will; one that finished is gone already.
    Atomics.compareExchange(ctl, STATE, IDLE, CLOSED);
    port.close();
    void worker.terminate().catch(() => undefined);
  };
  return {
    stage(folders, linker) {
      if (folders.length === 0) return close();
      const first = folders[0]!;
      mkdirSync(first.dir, { recursive: true });
      // The Linker links the first file: it detects the method (and warns once when it copies).
      let start = 0;
      if (first.files.length > 0) {
        linker.linkFile(first.files[0]!.src, first.files[0]!.dest, first.files[0]!.mode);
        start = 1;
      }
      if (closed || !linker.hardLinksInto?.(first.dir)) {
        close();
        stageSerially(folders, linker, start);
        return;
      }
      Atomics.store(ctl, NEXT, 1);
      port.postMessage(folders);
      let mainError: unknown;
      try {
        linkFiles(first.files, start);
        for (let i = Atomics.add(ctl, NEXT, 1); i < folders.length; i = Atomics.add(ctl, NEXT, 1)) {
          const folder = folders[i]!;
          mkdirSync(folder.dir, { recursive: true });
          linkFiles(folder.files, 0);
        }
      } catch (error) {
        mainError = error;
        Atomics.store(ctl, NEXT, folders.length);
      }
      // Wait for the helper's last folder: nothing may touch the staging area after we return.
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

function linkFiles(files: LinkFile[], from: number): void {
  for (let i = from; i < files.length; i++) {
    const f = files[i]!;
    try {
      linkSync(f.src, f.dest);
    } catch (error) {
      if (!FALLBACK_TO_COPY.has(errnoCode(error) ?? "")) throw error;
      copyFileSync(f.src, f.dest, constants.COPYFILE_EXCL);
      chmodSync(f.dest, f.mode);
    }
  }
}

/** Without a helper (or when the method is not hard link): the Linker stages every file. */
export function stageSerially(folders: LinkFolder[], linker: Linker, firstFrom = 0): void {
  folders.forEach((folder, index) => {
    mkdirSync(folder.dir, { recursive: true });
    for (let i = index === 0 ? firstFrom : 0; i < folder.files.length; i++) {
      const f = folder.files[i]!;
      linker.linkFile(f.src, f.dest, f.mode);
    }
  });
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
