import { OmnipkgError } from "../core/errors.ts";

/** Errors of the multiverse area: workers, the pool, the daemon and its clients. */

export interface RemoteErrorInfo {
  type: string;
  message: string;
  traceback: string;
}

/** An exception raised by user code inside a worker, carried back with its type and traceback. */
export class RemoteError extends OmnipkgError {
  readonly remoteType: string;
  readonly remoteTraceback: string;
  readonly python: string;

  constructor(python: string, info: RemoteErrorInfo) {
    super("REMOTE_ERROR", `${info.type}: ${info.message} (raised in Python ${python})`, {
      hint: info.traceback.trimEnd(),
    });
    this.remoteType = info.type;
    this.remoteTraceback = info.traceback;
    this.python = python;
  }
}

export class WorkerTimeout extends OmnipkgError {
  constructor(python: string, timeoutMs: number) {
    super(
      "WORKER_TIMEOUT",
      `The call to the Python ${python} worker did not finish within ${timeoutMs} ms, so the worker was killed.`,
      { hint: "Raise the per-call timeout (timeoutMs / [daemon] call_timeout_ms) if the work is slow." },
    );
  }
}

export class WorkerCrashed extends OmnipkgError {
  constructor(python: string, detail: string, stderrTail: string) {
    super("WORKER_CRASHED", `The Python ${python} worker ${detail} while running the call.`, {
      hint: stderrTail
        ? `Last lines it wrote to stderr:\n${stderrTail}`
        : "The next call starts a fresh worker.",
    });
  }
}

export class WorkerStartFailed extends OmnipkgError {
  constructor(python: string, detail: string, hint?: string) {
    super("WORKER_START", `The Python ${python} worker could not start: ${detail}.`, {
      hint: hint ?? "Check that the interpreter's managed environment exists (`omnipkg python list`).",
    });
  }
}

export class PoolClosed extends OmnipkgError {
  constructor(reason: string) {
    super("POOL_CLOSED", `The call was cancelled because ${reason}.`, {
      hint: "Start the daemon again (`omnipkg daemon start`) and repeat the call.",
    });
  }
}

export class NoSuchInterpreter extends OmnipkgError {
  constructor(request: string, adopted: string[]) {
    super(
      "NO_INTERPRETER",
      `No adopted interpreter matches "${request}" (adopted: ${adopted.join(", ") || "none"}).`,
      { hint: `Adopt it first: omnipkg python adopt ${request}` },
    );
  }
}

export class DaemonUnavailable extends OmnipkgError {
  constructor(message: string, hint = "Start it with `omnipkg daemon start`.") {
    super("DAEMON_UNAVAILABLE", message, { hint });
  }
}

export class DaemonRefused extends OmnipkgError {
  constructor(code: string, message: string, hint?: string) {
    super(code, message, {
      hint: hint ?? (code === "BAD_TOKEN" ? "The daemon restarted; read the token file again." : undefined),
    });
  }
}
