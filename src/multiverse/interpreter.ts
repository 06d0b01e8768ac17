import { randomUUID } from "node:crypto";
import { readConfig } from "../core/config.ts";
import { homeLayout, resolveHomeRoot } from "../core/home.ts";
import { decodeValue, encodeValue, type Encoded } from "./codec.ts";
import { RemoteError } from "./errors.ts";
import { resolveTarget, type Target } from "./interpreters.ts";
import { WorkerPool } from "./pool.ts";
import { readDaemonSettings } from "./settings.ts";
import type { WorkerRequest } from "./workerProcess.ts";

/**
 * The Node API: `interpreter("3.9").call("pkg.mod:func", 1, 2)`. Node programs get their own pool
 * of warm workers (children of the Node process) instead of going through the daemon: one hop
 * less, and idle workers are unref'd so they never keep a finished program alive.
 */

export interface InterpreterOptions {
  /** Bubble specs active in the worker, e.g. ["rich==13.4.2"]. */
  with?: string[];
  /** Per-call timeout for this handle; the pool's default otherwise. */
  timeoutMs?: number;
  /** omnipkg home (default: OMNIPKG_HOME or the XDG default). */
  home?: string;
  /** Use this pool instead of the shared one (tests, embedding). */
  pool?: WorkerPool;
}

export interface InterpreterHandle {
  readonly id: string;
  readonly version: string;
  /**
   * Run statements in the worker's namespace. Every call of one handle runs on the same worker, so
   * later eval/call see what exec defined, for as long as that worker lives (idle timeout, crash).
   */
  exec(code: string): Promise<void>;
  /** Evaluate an expression in that namespace and return its value. */
  eval(expr: string): Promise<unknown>;
  /** Call "package.module:function" with positional arguments. */
  call(target: string, ...args: unknown[]): Promise<unknown>;
  /** Call with positional and keyword arguments. */
  callWith(target: string, args?: unknown[], kwargs?: Record<string, unknown>): Promise<unknown>;
}

let sharedPool: WorkerPool | undefined;

function defaultPool(home: string): WorkerPool {
  if (!sharedPool) {
    const settings = readDaemonSettings(readConfig(homeLayout(home).configFile));
    sharedPool = new WorkerPool({ ...settings, unrefIdle: true, forwardStderr: true });
  }
  return sharedPool;
}

/** End the shared pool's workers now (they also end by themselves when idle or when Node exits). */
export async function closeInterpreters(): Promise<void> {
  const pool = sharedPool;
  sharedPool = undefined;
  await pool?.close("closeInterpreters() was called");
}

export function interpreter(version: string, options: InterpreterOptions = {}): InterpreterHandle {
  const home = options.home ?? resolveHomeRoot();
  const target: Target = resolveTarget(readConfig(homeLayout(home).configFile), version);
  const specs = [...(options.with ?? [])];
  const pool = options.pool ?? defaultPool(home);
  // One session per handle: its calls share one worker, and so one namespace.
  const session = randomUUID();
  const send = async (request: WorkerRequest): Promise<unknown> => {
    const reply = await pool.submit(target, specs, request, { timeoutMs: options.timeoutMs, session });
    if (!reply.ok) throw new RemoteError(target.version, reply.error!);
    return decodeValue(reply.value);
  };
  return {
    id: target.id,
    version: target.version,
    async exec(code) {
      await send({ op: "exec", code });
    },
    eval: (expr) => send({ op: "eval", expr }),
    call: (fn, ...args) => send({ op: "call", target: fn, args: encodeValue(args) }),
    callWith: (fn, args = [], kwargs = {}) =>
      send({ op: "call", target: fn, args: encodeValue(args), kwargs: encodeValue(kwargs) as Encoded }),
  };
}
