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
 * spread over at most `workersPerKey` processes, started on demand. A call may name a session (one
 * per interpreter handle): the session's first call binds it to a worker and its later calls wait
 * for that same worker, so `exec("x = 1")` then `eval("x")` see one namespace. Calls without a
 * session go to any idle worker. A worker idle for longer than
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

export interface SubmitOptions {
  /** Per-call timeout; the pool's default otherwise. */
  timeoutMs?: number;
  /** Calls with the same session run on the same worker while it lives. */
  session?: string;
}

interface Job {
  request: WorkerRequest;
  session: string | undefined;
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
  sessions: Map<string, WorkerProcess>;
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

  submit(
    target: Target,
    specs: string[],
    request: WorkerRequest,
    options: SubmitOptions = {},
  ): Promise<WorkerReply> {
    if (this.closedReason) return Promise.reject(new PoolClosed(this.closedReason));
    const key = poolKey(target, specs);
    let group = this.groups.get(key);
    if (!group) {
      group = { key, target, specs: [...specs], workers: [], queue: [], sessions: new Map() };
      this.groups.set(key, group);
    }
    const g = group;
    return new Promise<WorkerReply>((resolve, reject) => {
      g.queue.push({
        request,
        session: options.session,
        timeoutMs: options.timeoutMs ?? this.options.callTimeoutMs,
        resolve,
        reject,
      });
      this.pump(g);
    });
  }

  private pump(group: Group): void {
    let unplaced = 0;
    for (let i = 0; i < group.queue.length;) {
      const job = group.queue[i]!;
      const bound = job.session ? group.sessions.get(job.session) : undefined;
      let worker: WorkerProcess | undefined;
      if (bound && bound.state !== "dead") {
        worker = bound.state === "idle" ? bound : undefined;
      } else {
        worker = job.session ? this.workerForNewSession(group) : this.leastBoundIdle(group);
        if (!worker) unplaced += 1;
        else if (job.session) group.sessions.set(job.session, worker);
      }
      if (!worker) {
        i += 1;
        continue;
      }
      group.queue.splice(i, 1);
      this.dispatch(group, worker, job);
    }
    let starting = group.workers.filter((w) => w.state === "starting").length;
    while (unplaced > starting && group.workers.length < this.options.workersPerKey) {
      this.spawn(group);
      starting += 1;
    }
  }

  /**
   * Binding is for the session's life, so balance matters more than a few ms: a new session takes
   * an idle worker only if no other worker (or one that may still be started) has fewer sessions;
   * otherwise it waits for that one.
   */
  private workerForNewSession(group: Group): WorkerProcess | undefined {
    const candidate = this.leastBoundIdle(group);
    if (!candidate) return undefined;
    const counts = new Map<WorkerProcess, number>(
      group.workers.filter((w) => w.state !== "dead").map((w) => [w, 0]),
    );
    for (const w of group.sessions.values()) if (counts.has(w)) counts.set(w, counts.get(w)! + 1);
    const floor = group.workers.length < this.options.workersPerKey ? 0 : Math.min(...counts.values());
    return (counts.get(candidate) ?? 0) <= floor ? candidate : undefined;
  }

  /** An idle worker, preferring the one fewest sessions are bound to, so sessions spread out. */
  private leastBoundIdle(group: Group): WorkerProcess | undefined {
    let best: WorkerProcess | undefined;
    let bestCount = Infinity;
    for (const worker of group.workers) {
      if (worker.state !== "idle") continue;
      let count = 0;
      for (const w of group.sessions.values()) if (w === worker) count += 1;
      if (count < bestCount) {
        best = worker;
        bestCount = count;
      }
    }
    return best;
  }

  private spawn(group: Group): void {
    const worker = new WorkerProcess(group.target, group.specs, this.options);
    group.workers.push(worker);
    worker.onExit = () => {
      group.workers = group.workers.filter((w) => w !== worker);
      for (const [session, w] of group.sessions) if (w === worker) group.sessions.delete(session);
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
    const request = job.session ? { ...job.request, session: job.session } : job.request;
    worker.request(request, job.timeoutMs).then(
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
