import { readFileSync } from "node:fs";
import { PoolClosed } from "./errors.ts";
import type { Target } from "./interpreters.ts";
import {
  WorkerProcess,
  type WorkerOptions,
  type WorkerReply,
  type WorkerRequest,
  type WorkerState,
} from "./workerProcess.ts";

/**
 * Warm workers keyed by (interpreter, bubble set). Calls for one key wait in one queue and are
 * spread over at most `workersPerKey` processes, started on demand. A worker idle for longer than
 * `idleTimeoutMs` is closed; one that hangs past the per-call timeout is killed and its call fails;
 * one that crashes fails only its own call, and the next call starts a fresh process.
 */

export interface PoolOptions extends WorkerOptions {
  idleTimeoutMs?: number;
  /** Default per-call timeout; 0 disables it. */
  callTimeoutMs?: number;
  workersPerKey?: number;
  /** Idle workers do not keep the Node process alive (for the in-process Node API). */
  unrefIdle?: boolean;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_CALL_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_WORKERS_PER_KEY = 2;

interface Job {
  request: WorkerRequest;
  timeoutMs: number;
  resolve(reply: WorkerReply): void;
  reject(error: Error): void;
}

interface Group {
  key: string;
  target: Target;
  specs: string[];
  workers: WorkerProcess[];
  queue: Job[];
}

export interface WorkerStatus {
  key: string;
  python: string;
  version: string;
  bubbles: string[];
  pid: number | undefined;
  state: WorkerState;
  callsServed: number;
  idleMs: number;
  uptimeMs: number;
  rssBytes: number | undefined;
}

export function poolKey(target: Target, specs: string[]): string {
  return JSON.stringify([target.id, ...specs]);
}

/** Resident set size from /proc; undefined where /proc is absent or the process is gone. */
export function readRssBytes(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export class WorkerPool {
  private readonly groups = new Map<string, Group>();
  private readonly options: Required<Pick<PoolOptions, "idleTimeoutMs" | "callTimeoutMs" | "workersPerKey">> &
    PoolOptions;
  private readonly sweeper: NodeJS.Timeout;
  private closedReason: string | undefined;

  constructor(options: PoolOptions = {}) {
    this.options = {
      ...options,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
      workersPerKey: Math.max(1, options.workersPerKey ?? DEFAULT_WORKERS_PER_KEY),
    };
    const every = Math.max(20, Math.min(this.options.idleTimeoutMs / 4, 5000));
    this.sweeper = setInterval(() => this.reapIdle(), every);
    this.sweeper.unref();
  }

  submit(target: Target, specs: string[], request: WorkerRequest, timeoutMs?: number): Promise<WorkerReply> {
    if (this.closedReason) return Promise.reject(new PoolClosed(this.closedReason));
    const key = poolKey(target, specs);
    let group = this.groups.get(key);
    if (!group) {
      group = { key, target, specs: [...specs], workers: [], queue: [] };
      this.groups.set(key, group);
    }
    const g = group;
    return new Promise<WorkerReply>((resolve, reject) => {
      g.queue.push({ request, timeoutMs: timeoutMs ?? this.options.callTimeoutMs, resolve, reject });
      this.pump(g);
    });
  }

  private pump(group: Group): void {
    while (group.queue.length) {
      const idle = group.workers.find((w) => w.state === "idle");
      if (!idle) {
        const starting = group.workers.filter((w) => w.state === "starting").length;
        if (group.workers.length < this.options.workersPerKey && starting < group.queue.length) {
          this.spawn(group);
          continue;
        }
        return;
      }
      this.dispatch(group, idle, group.queue.shift()!);
    }
  }

  private spawn(group: Group): void {
    const worker = new WorkerProcess(group.target, group.specs, this.options);
    group.workers.push(worker);
    worker.onExit = () => {
      group.workers = group.workers.filter((w) => w !== worker);
      if (!group.workers.length && !group.queue.length) this.groups.delete(group.key);
      else if (!this.closedReason) this.pump(group);
    };
    worker.ready.then(
      () => {
        if (this.options.unrefIdle && !group.queue.length) worker.setRef(false);
        this.pump(group);
      },
      (error: Error) => {
        // A start failure (bad bubble spec, missing environment) would repeat for every queued
        // call, so they all get it instead of a retry loop.
        if (group.workers.some((w) => w !== worker && w.state !== "dead")) return;
        for (const job of group.queue.splice(0)) job.reject(error);
      },
    );
  }

  private dispatch(group: Group, worker: WorkerProcess, job: Job): void {
    if (this.options.unrefIdle) worker.setRef(true);
    worker.request(job.request, job.timeoutMs).then(
      (reply) => {
        if (this.options.unrefIdle && !group.queue.length) worker.setRef(false);
        job.resolve(reply);
        this.pump(group);
      },
      (error: Error) => job.reject(error),
    );
  }

  private reapIdle(): void {
    const now = Date.now();
    for (const group of this.groups.values()) {
      for (const worker of group.workers) {
        if (worker.state === "idle" && now - worker.lastUsedAt >= this.options.idleTimeoutMs) {
          void worker.close();
        }
      }
    }
  }

  status(): WorkerStatus[] {
    const now = Date.now();
    const rows: WorkerStatus[] = [];
    for (const group of this.groups.values()) {
      for (const w of group.workers) {
        rows.push({
          key: group.key,
          python: group.target.id,
          version: group.target.version,
          bubbles: group.specs,
          pid: w.pid,
          state: w.state,
          callsServed: w.callsServed,
          idleMs: w.state === "idle" ? now - w.lastUsedAt : 0,
          uptimeMs: now - w.startedAt,
          rssBytes: readRssBytes(w.pid),
        });
      }
    }
    return rows;
  }

  /** Fail queued and running calls with `reason`, then end every worker. */
  async close(reason = "the worker pool was closed"): Promise<void> {
    this.closedReason ??= reason;
    clearInterval(this.sweeper);
    const waits: Promise<void>[] = [];
    for (const group of this.groups.values()) {
      for (const job of group.queue.splice(0)) job.reject(new PoolClosed(reason));
      for (const worker of group.workers) {
        if (worker.state === "busy" || worker.state === "starting") worker.kill(new PoolClosed(reason));
        waits.push(worker.close(500));
      }
    }
    await Promise.all(waits);
    this.groups.clear();
  }
}
