import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { runtimeDir } from "../core/packageRoot.ts";
import { createDebug } from "../core/debug.ts";
import type { Encoded } from "./codec.ts";
import { FrameDecoder, packFrame } from "./framing.ts";
import { WorkerCrashed, WorkerStartFailed, WorkerTimeout, type RemoteErrorInfo } from "./errors.ts";
import type { Target } from "./interpreters.ts";

/**
 * One Python worker process (src/runtime/omnipkg_worker/worker.py) and its pipes. It runs one
 * request at a time; the pool decides which worker gets which call. The worker code is always taken
 * from this omnipkg's own runtime folder, not from the environment, so the protocol on both ends of
 * the pipe comes from the same release.
 */

const debug = createDebug("multiverse");
const STDERR_TAIL_BYTES = 4096;

export interface WorkerRequest {
  op: "call" | "eval" | "exec" | "ping";
  target?: string;
  args?: Encoded;
  kwargs?: Encoded;
  expr?: string;
  code?: string;
  /** The caller's handle: exec/eval run in that session's own namespace in the worker. */
  session?: string;
}

export interface WorkerReply {
  ok: boolean;
  value?: Encoded;
  error?: RemoteErrorInfo;
}

export interface WorkerOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Copy what user code prints (fd 1 and 2 both land on the worker's stderr) to ours. */
  forwardStderr?: boolean;
  startTimeoutMs?: number;
}

export type WorkerState = "starting" | "idle" | "busy" | "dead";

function bootstrapCode(): string {
  const dir = JSON.stringify(runtimeDir());
  return `import sys;sys.path.insert(0,${dir});import omnipkg_worker.worker as w;del sys.path[0];sys.exit(w.main())`;
}

export class WorkerProcess {
  readonly target: Target;
  readonly specs: string[];
  readonly startedAt = Date.now();
  state: WorkerState = "starting";
  callsServed = 0;
  lastUsedAt = Date.now();
  /** Set by the pool: called once when the process is gone, for whatever reason. */
  onExit: ((worker: WorkerProcess) => void) | undefined;

  private readonly child: ChildProcessWithoutNullStreams;
  private readonly decoder = new FrameDecoder();
  private stderrTail = "";
  private pending:
    { resolve: (r: WorkerReply) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout } | undefined;
  private exitDetail: string | undefined;
  private killReason: Error | undefined;
  private nextId = 1;
  readonly ready: Promise<void>;
  private readonly exited: Promise<void>;

  constructor(target: Target, specs: string[], options: WorkerOptions = {}) {
    this.target = target;
    this.specs = specs;
    this.child = spawn(target.python, ["-c", bootstrapCode(), JSON.stringify(specs)], {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), PYTHONUNBUFFERED: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    debug(`spawned ${target.id} pid ${this.child.pid} specs ${JSON.stringify(specs)}`);
    this.child.stderr.on("data", (chunk: Buffer) => {
      if (options.forwardStderr) process.stderr.write(chunk);
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    this.child.stdin.on("error", () => {
      // EPIPE when the worker died first; the exit handler reports it.
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const startTimer = setTimeout(() => {
        this.kill(
          new WorkerStartFailed(target.version, `no answer within ${options.startTimeoutMs ?? 30_000} ms`),
        );
      }, options.startTimeoutMs ?? 30_000);
      this.pending = {
        resolve: () => {
          clearTimeout(startTimer);
          this.state = "idle";
          resolve();
        },
        reject: (error) => {
          clearTimeout(startTimer);
          reject(error);
        },
      };
    });
    // A failed start is reported through `ready`; nobody may be awaiting it yet.
    this.ready.catch(() => {});
    this.child.stdout.on("data", (chunk: Buffer) => this.onData(chunk));
    this.child.on("error", (error) => {
      this.exitDetail = `could not be started (${error.message})`;
      this.finish();
    });
    // The protocol pipe is a non-inheritable duplicate inside the worker, so it closes exactly when
    // the worker dies; waiting for it as well as for `exit` keeps a last reply from being lost.
    let hasExited = false;
    let drained = false;
    this.child.stdout.on("close", () => {
      drained = true;
      if (hasExited) this.finish();
    });
    this.exited = new Promise<void>((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.once("error", () => resolve());
    });
    this.child.on("exit", (code, signal) => {
      this.exitDetail = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      hasExited = true;
      if (drained) this.finish();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private onData(chunk: Buffer): void {
    let messages;
    try {
      messages = this.decoder.push(chunk);
    } catch (error) {
      this.kill(new WorkerCrashed(this.target.version, `sent a malformed reply (${String(error)})`, ""));
      return;
    }
    for (const message of messages) {
      const pending = this.pending;
      this.pending = undefined;
      if (!pending) continue;
      if (pending.timer) clearTimeout(pending.timer);
      if (message.fatal) {
        const info = message.fatal as unknown as RemoteErrorInfo;
        pending.reject(
          new WorkerStartFailed(
            this.target.version,
            `${info.type}: ${info.message}`,
            info.traceback.trimEnd(),
          ),
        );
        continue;
      }
      if (message.hello) {
        pending.resolve({ ok: true });
        continue;
      }
      this.callsServed += 1;
      this.lastUsedAt = Date.now();
      this.state = "idle";
      pending.resolve(message as unknown as WorkerReply);
    }
  }

  private finish(): void {
    if (this.state === "dead") return;
    const wasStarting = this.state === "starting";
    this.state = "dead";
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      if (pending.timer) clearTimeout(pending.timer);
      const tail = this.stderrTail.trimEnd().split("\n").slice(-8).join("\n");
      pending.reject(
        this.killReason ??
          (wasStarting
            ? new WorkerStartFailed(
                this.target.version,
                `it ${this.exitDetail ?? "exited"}`,
                tail || undefined,
              )
            : new WorkerCrashed(this.target.version, this.exitDetail ?? "exited", tail)),
      );
    }
    debug(`worker ${this.target.id} pid ${this.child.pid} ${this.exitDetail ?? "ended"}`);
    this.onExit?.(this);
  }

  /** Send one request; the pool guarantees the worker is idle. The timer kills a hung worker. */
  request(request: WorkerRequest, timeoutMs: number): Promise<WorkerReply> {
    if (this.state !== "idle") throw new Error(`worker is ${this.state}, not idle`);
    this.state = "busy";
    this.lastUsedAt = Date.now();
    return new Promise<WorkerReply>((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => this.kill(new WorkerTimeout(this.target.version, timeoutMs)), timeoutMs)
          : undefined;
      this.pending = { resolve, reject, timer };
      this.child.stdin.write(packFrame({ id: this.nextId++, ...request }));
    });
  }

  /** Kill now; a call in flight fails with `reason`. */
  kill(reason?: Error): void {
    if (this.state === "dead") return;
    this.killReason ??= reason;
    this.child.kill("SIGKILL");
  }

  /** Ask the worker to finish (end of stdin), killing it if it does not within `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    if (this.state === "dead") return;
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Let a Node program exit while this worker sits idle (the Node API's workers do this). */
  setRef(ref: boolean): void {
    const handles = [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as unknown as {
      ref(): void;
      unref(): void;
    }[];
    for (const handle of handles) {
      if (ref) handle.ref();
      else handle.unref();
    }
  }
}
