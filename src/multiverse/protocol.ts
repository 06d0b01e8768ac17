import type { Encoded } from "./codec.ts";
import type { RemoteErrorInfo } from "./errors.ts";
import type { DaemonSettings } from "./settings.ts";

/**
 * Messages on the daemon socket (length-prefixed JSON frames, see framing.ts). Every request
 * carries the token; replies echo the request id, so a client may have several calls in flight on
 * one connection. A reply has exactly one of `value`, `error` (the user's Python exception) or
 * `fault` (omnipkg's own failure: timeout, crash, no such interpreter, daemon stopping).
 */

export type DaemonOp = "ping" | "status" | "stop" | "call" | "eval" | "exec";

export interface DaemonRequest {
  id: number;
  token: string;
  op: DaemonOp;
  python?: string;
  with?: string[];
  timeoutMs?: number;
  /** Calls with one session run on one worker (one per interpreter handle). */
  session?: string;
  target?: string;
  args?: Encoded;
  kwargs?: Encoded;
  expr?: string;
  code?: string;
}

export interface DaemonFault {
  code: string;
  message: string;
  hint?: string;
}

export interface DaemonReply {
  id: number;
  ok: boolean;
  value?: Encoded;
  error?: RemoteErrorInfo;
  fault?: DaemonFault;
}

/** daemon.json beside the socket: who serves this home. */
export interface DaemonInfo {
  pid: number;
  startedAt: string;
  socket: string;
  home: string;
  settings: DaemonSettings;
}
