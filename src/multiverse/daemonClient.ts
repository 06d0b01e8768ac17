import { connect, type Socket } from "node:net";
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { errnoCode } from "../core/errors.ts";
import { pidAlive } from "../core/lock.ts";
import { FrameDecoder, packFrame } from "./framing.ts";
import { daemonPaths, ensurePrivateDir, type DaemonPaths } from "./daemonPaths.ts";
import { DaemonRefused, DaemonUnavailable, RemoteError } from "./errors.ts";
import type { DaemonInfo, DaemonOp, DaemonReply, DaemonRequest } from "./protocol.ts";

/**
 * Node's side of the daemon socket: the CLI's start/stop/status and anyone who wants the daemon's
 * shared workers from Node. (omnipkg_worker/client.py is the Python side.)
 */

export function readDaemonInfo(paths: DaemonPaths): DaemonInfo | undefined {
  try {
    return JSON.parse(readFileSync(paths.pidFile, "utf8")) as DaemonInfo;
  } catch {
    return undefined;
  }
}

/** True if something accepts connections on the socket (a live daemon, not a stale file). */
export function probeSocket(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export class DaemonClient {
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<
    number,
    { resolve: (r: DaemonReply) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private closedError: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly token: string,
  ) {
    socket.on("data", (chunk: Buffer) => {
      for (const message of this.decoder.push(chunk)) {
        const reply = message as unknown as DaemonReply;
        const waiter = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        waiter?.resolve(reply);
      }
    });
    const fail = (): void => {
      this.closedError ??= new DaemonUnavailable(
        "The omnipkg daemon closed the connection before answering.",
        "It was stopped or crashed; `omnipkg daemon start` starts it again.",
      );
      for (const waiter of this.pending.values()) waiter.reject(this.closedError);
      this.pending.clear();
    };
    socket.on("close", fail);
    socket.on("error", fail);
  }

  static async connect(home: string): Promise<DaemonClient> {
    const paths = daemonPaths(home);
    let token: string;
    try {
      token = readFileSync(paths.tokenFile, "utf8").trim();
    } catch {
      throw new DaemonUnavailable(`The omnipkg daemon for ${home} is not running.`);
    }
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(paths.socket);
      s.once("connect", () => resolve(s));
      s.once("error", (error) =>
        reject(
          new DaemonUnavailable(
            `The omnipkg daemon for ${home} is not running (${errnoCode(error) ?? error.message} on ${paths.socket}).`,
          ),
        ),
      );
    });
    return new DaemonClient(socket, token);
  }

  request(op: DaemonOp, fields: Partial<DaemonRequest> = {}): Promise<DaemonReply> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(packFrame({ ...fields, id, op, token: this.token }));
    });
  }

  /** Like request(), but unwraps the reply: the value, or a thrown RemoteError / DaemonRefused. */
  async value(op: DaemonOp, fields: Partial<DaemonRequest> = {}): Promise<unknown> {
    const reply = await this.request(op, fields);
    if (reply.ok) return reply.value;
    if (reply.error) throw new RemoteError(fields.python ?? "?", reply.error);
    throw new DaemonRefused(
      reply.fault?.code ?? "DAEMON_ERROR",
      reply.fault?.message ?? "The daemon failed.",
    );
  }

  close(): void {
    this.socket.end();
  }
}

async function tryStatus(home: string): Promise<unknown> {
  let client: DaemonClient;
  try {
    client = await DaemonClient.connect(home);
  } catch {
    return undefined;
  }
  try {
    return await client.value("status");
  } finally {
    client.close();
  }
}

export interface StartOptions {
  /** argv that runs the omnipkg CLI (default: this process's own node, flags and script). */
  command?: string[];
  /** Extra `daemon serve` flags, e.g. ["--idle-timeout-ms", "1000"]. */
  serveArgs?: string[];
  timeoutMs?: number;
}

export interface StartResult {
  pid: number;
  alreadyRunning: boolean;
  socket: string;
  logFile: string;
}

export function selfCommand(): string[] {
  return [process.execPath, ...process.execArgv, process.argv[1] ?? ""];
}

export async function startDaemon(home: string, options: StartOptions = {}): Promise<StartResult> {
  const paths = daemonPaths(home);
  const running = (await tryStatus(home)) as DaemonInfo | undefined;
  if (running)
    return { pid: running.pid, alreadyRunning: true, socket: paths.socket, logFile: paths.logFile };
  ensurePrivateDir(paths.dir);
  mkdirSync(dirname(paths.logFile), { recursive: true });
  const log = openSync(paths.logFile, "a", 0o600);
  const [node, ...rest] = options.command ?? selfCommand();
  const child = spawn(node!, [...rest, "daemon", "serve", ...(options.serveArgs ?? [])], {
    detached: true,
    stdio: ["ignore", log, log],
    // Our cwd, not the home: node resolves `--import` loaders from it. The daemon moves to the home itself.
    env: { ...process.env, OMNIPKG_HOME: home },
  });
  closeSync(log);
  let exitCode: number | null | undefined;
  child.once("exit", (code) => (exitCode = code));
  child.unref();
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    const info = (await tryStatus(home)) as DaemonInfo | undefined;
    if (info)
      return {
        pid: info.pid,
        alreadyRunning: info.pid !== child.pid,
        socket: paths.socket,
        logFile: paths.logFile,
      };
    if (exitCode !== undefined) break;
    await new Promise((r) => setTimeout(r, 40));
  }
  const tail = readTail(paths.logFile);
  throw new DaemonUnavailable(
    exitCode !== undefined
      ? `The omnipkg daemon exited during start-up (code ${exitCode}).`
      : "The omnipkg daemon did not answer within its start-up time.",
    tail ? `Its log (${paths.logFile}) ends with:\n${tail}` : `See ${paths.logFile}.`,
  );
}

function readTail(path: string): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-10).join("\n");
  } catch {
    return "";
  }
}

export async function stopDaemon(
  home: string,
  timeoutMs = 10_000,
): Promise<{ pid: number | undefined; wasRunning: boolean }> {
  const paths = daemonPaths(home);
  let client: DaemonClient;
  try {
    client = await DaemonClient.connect(home);
  } catch {
    // Nothing answers: whatever files remain are stale.
    for (const path of [paths.socket, paths.tokenFile, paths.pidFile]) rmSync(path, { force: true });
    return { pid: undefined, wasRunning: false };
  }
  const { pid } = (await client.value("stop")) as { pid: number };
  client.close();
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (pidAlive(pid)) {
    throw new DaemonUnavailable(
      `The omnipkg daemon (pid ${pid}) did not exit within ${timeoutMs} ms of being stopped.`,
      `Send it SIGKILL: kill -9 ${pid}`,
    );
  }
  return { pid, wasRunning: true };
}

export interface DaemonStatus extends DaemonInfo {
  workers: import("./pool.ts").WorkerStatus[];
}

export async function daemonStatus(home: string): Promise<DaemonStatus | undefined> {
  return (await tryStatus(home)) as DaemonStatus | undefined;
}
