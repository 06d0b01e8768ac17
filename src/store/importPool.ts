import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { OmnipkgError } from "../core/errors.ts";
import { createDebug } from "../core/debug.ts";
import { StoreError } from "./errors.ts";
import type { ImportOptions, StoreDirs } from "./importWheel.ts";
import type { WheelManifest } from "./types.ts";

/**
 * Cold imports on worker threads. Unpacking a wheel is CPU work (inflate, sha256, CRC-32) plus one
 * create per file, all synchronous, so on one thread numpy and pandas are unpacked one after the
 * other while the other cores idle. The pool runs whole imports, one wheel per worker; the main
 * thread only queues tasks and rebuilds results.
 *
 * Design points:
 * - One code path: a worker calls the same importWheel (src/store/importWorker.ts), so every
 *   safety property (validation, temp + link commit, manifest last, cleanup) holds unchanged. Two
 *   workers importing the same wheel or the same content race exactly like two processes, which
 *   the link(2) protocol of writeContent.ts already settles.
 * - Largest wheel first among those queued: the makespan is bounded by the big wheels, and one
 *   queued last would run alone on one core at the end.
 * - Workers start lazily, one more only when all are busy (a warm install, answered from the
 *   manifest on the main thread, never starts one), up to the number of cores (at most 4: a few
 *   big wheels dominate, and each worker costs ~20 MB and ~25 ms of CPU to start).
 * - A worker whose import only waits for the manifest's fsync says so ("committing") and is given
 *   the next wheel meanwhile: the fsync overlaps CPU work instead of stalling it. Its answer still
 *   comes only after the manifest is durable.
 * - An idle worker is unref()'d, so it never keeps the process alive; a busy one is ref()'d, so the
 *   process waits for its answer.
 * - Errors cross the thread boundary as plain data and are rebuilt: a StoreError keeps its code and
 *   hint, a file-system error keeps `code` and `syscall` (callers map ENOSPC and the like).
 * - Where no worker entry can be found (an unusual packaging), imports run on the main thread.
 *   OMNIPKG_IMPORT_THREADS=N overrides the pool size; 0 turns the pool off (measurements, debugging).
 */

export interface ImportTask {
  id: number;
  dirs: StoreDirs;
  wheelPath: string;
  options: Omit<ImportOptions, "faults">;
}

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  hint?: string;
  exitCode?: 1 | 2;
  syscall?: string;
  path?: string;
  errno?: number;
  /** "store": a StoreError; "omnipkg": another OmnipkgError; "other": anything else. */
  kind: "store" | "omnipkg" | "other";
}

export type ImportReply =
  | { id: number; manifest: WheelManifest }
  | { id: number; error: SerializedError }
  /** The import only waits for its manifest's fsync now: the worker can take another wheel. */
  | { id: number; committing: true };

const debug = createDebug("store");

export function serializeError(error: unknown): SerializedError {
  if (error instanceof OmnipkgError)
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      hint: error.hint,
      exitCode: error.exitCode,
      kind: error instanceof StoreError ? "store" : "omnipkg",
    };
  const e = (error instanceof Error ? error : new Error(String(error))) as NodeJS.ErrnoException;
  return {
    name: e.name,
    message: e.message,
    code: typeof e.code === "string" ? e.code : undefined,
    syscall: e.syscall,
    path: e.path,
    errno: e.errno,
    kind: "other",
  };
}

export function deserializeError(data: SerializedError): Error {
  if (data.kind === "store") return new StoreError(data.code!, data.message, { hint: data.hint });
  if (data.kind === "omnipkg")
    return new OmnipkgError(data.code!, data.message, { hint: data.hint, exitCode: data.exitCode });
  const error = new Error(data.message) as NodeJS.ErrnoException;
  error.name = data.name;
  if (data.code !== undefined) error.code = data.code;
  if (data.syscall !== undefined) error.syscall = data.syscall;
  if (data.path !== undefined) error.path = data.path;
  if (data.errno !== undefined) error.errno = data.errno;
  return error;
}

/** Size of the pool: OMNIPKG_IMPORT_THREADS, else the cores (1..4). */
export function poolSize(): number {
  const wanted = process.env.OMNIPKG_IMPORT_THREADS;
  if (wanted !== undefined && /^\d+$/.test(wanted.trim())) return Math.min(Number(wanted), 16);
  return Math.max(1, Math.min(availableParallelism(), 4));
}

/**
 * The worker entry: next to this module under tsx (src/store/importWorker.ts), or the bundle's
 * dist/store-worker.cjs seen from a chunk (dist/chunks/) or an entry file (dist/).
 */
function workerEntry(): URL | undefined {
  const here = import.meta.url;
  const candidates = here.endsWith(".ts")
    ? ["./importWorker.ts"]
    : ["../store-worker.cjs", "./store-worker.cjs"];
  for (const candidate of candidates) {
    const url = new URL(candidate, here);
    if (existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}

interface Pending {
  task: ImportTask;
  /** The wheel's size: the largest queued wheel goes first, so numpy does not start last. */
  bytes: number;
  resolve: (manifest: WheelManifest) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** The import using the thread's CPU. */
  current?: Pending;
  /** Imports that only wait for their manifest's fsync, by task id. */
  committing: Map<number, Pending>;
}

class ImportPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  started = 0;

  constructor(
    private readonly entry: URL,
    readonly size: number,
  ) {}

  run(dirs: StoreDirs, wheelPath: string, options: Omit<ImportOptions, "faults">): Promise<WheelManifest> {
    return new Promise((resolve, reject) => {
      const bytes = statSync(wheelPath, { throwIfNoEntry: false })?.size ?? 0;
      this.queue.push({ task: { id: this.nextId++, dirs, wheelPath, options }, bytes, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.current === undefined);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      let pick = 0;
      for (let i = 1; i < this.queue.length; i++)
        if (this.queue[i]!.bytes > this.queue[pick]!.bytes) pick = i;
      const pending = this.queue.splice(pick, 1)[0]!;
      slot.current = pending;
      slot.worker.ref();
      debug(`import pool: ${pending.task.wheelPath} to worker ${slot.worker.threadId}`);
      slot.worker.postMessage(pending.task);
    }
  }

  private spawn(): Slot {
    // No stdin and no resource surprises: the worker only does file and CPU work.
    const worker = new Worker(this.entry, { stdin: false });
    const slot: Slot = { worker, committing: new Map() };
    this.slots.push(slot);
    this.started += 1;
    debug(`import pool: started worker ${this.slots.length} of ${this.size}`);
    worker.on("message", (reply: ImportReply) => {
      if ("committing" in reply) {
        const pending = slot.current;
        if (!pending || pending.task.id !== reply.id) return;
        slot.current = undefined;
        slot.committing.set(reply.id, pending);
        this.pump();
        return;
      }
      let pending = slot.committing.get(reply.id);
      if (pending) slot.committing.delete(reply.id);
      else if (slot.current?.task.id === reply.id) {
        pending = slot.current;
        slot.current = undefined;
      } else return;
      if (slot.current === undefined && slot.committing.size === 0) worker.unref();
      if ("manifest" in reply) pending.resolve(reply.manifest);
      else pending.reject(deserializeError(reply.error));
      this.pump();
    });
    const fail = (error: Error): void => {
      const index = this.slots.indexOf(slot);
      if (index === -1) return;
      this.slots.splice(index, 1);
      const lost = [...(slot.current ? [slot.current] : []), ...slot.committing.values()];
      slot.current = undefined;
      slot.committing.clear();
      for (const pending of lost)
        pending.reject(
          new StoreError("IMPORT_WORKER_FAILED", `The store's import worker stopped: ${error.message}.`, {
            hint: "Try again; set OMNIPKG_IMPORT_THREADS=0 to import on the main thread.",
          }),
        );
      this.pump();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));
    worker.unref();
    return slot;
  }
}

/** For tests: how many workers this process started, and the pool's size (0: no pool). */
export function importPoolState(): { size: number; started: number } {
  return shared ? { size: shared.size, started: shared.started } : { size: 0, started: 0 };
}

let shared: ImportPool | null | undefined;

/** The process-wide pool, or null when imports should run on the calling thread. */
export function importPool(): Pick<ImportPool, "run"> | null {
  if (shared !== undefined) return shared;
  const size = poolSize();
  const entry = size > 0 ? workerEntry() : undefined;
  shared = entry ? new ImportPool(entry, size) : null;
  if (size > 0 && !entry) debug("import pool: no worker entry found, importing on the main thread");
  return shared;
}
