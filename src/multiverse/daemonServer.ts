import { createServer, type Server, type Socket } from "node:net";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, rmSync, statSync } from "node:fs";
import { readConfig, type OmnipkgConfig } from "../core/config.ts";
import { writeFileAtomic } from "../core/atomicFs.ts";
import { acquireLock } from "../core/lock.ts";
import { homeLayout } from "../core/home.ts";
import { createDebug } from "../core/debug.ts";
import { isOmnipkgError } from "../core/errors.ts";
import { FrameDecoder, packFrame } from "./framing.ts";
import { daemonPaths, ensurePrivateDir, type DaemonPaths } from "./daemonPaths.ts";
import { resolveTarget } from "./interpreters.ts";
import { WorkerPool } from "./pool.ts";
import type { DaemonSettings } from "./settings.ts";
import type { DaemonFault, DaemonInfo, DaemonReply, DaemonRequest } from "./protocol.ts";
import { probeSocket, readDaemonInfo } from "./daemonClient.ts";

/**
 * The daemon: a Unix-socket server in front of a WorkerPool. Start-up holds a lock file so two
 * simultaneous `daemon start`s leave exactly one daemon; the token is written before the socket
 * exists, so a client that can connect can always authenticate.
 */

const debug = createDebug("daemon");

function toFault(error: unknown): DaemonFault {
  if (isOmnipkgError(error)) return { code: error.code, message: error.message, hint: error.hint };
  return { code: "DAEMON_INTERNAL", message: error instanceof Error ? error.message : String(error) };
}

class ConfigCache {
  private mtimeMs = -1;
  private config: OmnipkgConfig | undefined;
  constructor(private readonly path: string) {}
  get(): OmnipkgConfig {
    let mtimeMs = 0;
    try {
      mtimeMs = statSync(this.path).mtimeMs;
    } catch {
      // no config yet: readConfig returns an empty one
    }
    if (!this.config || mtimeMs !== this.mtimeMs) {
      this.config = readConfig(this.path);
      this.mtimeMs = mtimeMs;
    }
    return this.config;
  }
}

/** Serve until stopped. Resolves "already-running" without serving if a live daemon owns the socket. */
export async function serveDaemon(
  home: string,
  settings: DaemonSettings,
): Promise<"stopped" | "already-running"> {
  process.umask(0o077);
  // A daemon must not pin whatever folder it was started from.
  process.chdir(home);
  const paths: DaemonPaths = daemonPaths(home);
  ensurePrivateDir(paths.dir);
  const lock = acquireLock(paths.lockFile, { timeoutMs: 15_000 });
  let server: Server;
  let token: Buffer;
  try {
    if (await probeSocket(paths.socket)) return "already-running";
    rmSync(paths.socket, { force: true });
    token = Buffer.from(randomBytes(32).toString("hex"));
    writeFileAtomic(paths.tokenFile, token, { mode: 0o600 });
    server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(paths.socket, () => resolve());
    });
    chmodSync(paths.socket, 0o600);
    const info: DaemonInfo = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      socket: paths.socket,
      home,
      settings,
    };
    writeFileAtomic(paths.pidFile, JSON.stringify(info) + "\n", { mode: 0o600 });
  } finally {
    lock.release();
  }
  debug(`listening on ${paths.socket}`);
  const configs = new ConfigCache(homeLayout(home).configFile);
  const pool = new WorkerPool({ ...settings, cwd: home, forwardStderr: true });
  const sockets = new Set<Socket>();
  let stopping: Promise<void> | undefined;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));

  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      debug(`stopping: ${reason}`);
      server.close();
      // Fails every queued and running call with a clear reason; replies are written before
      // the sockets are closed.
      await pool.close(reason);
      // A client that is not reading (an idle Python handle) never closes its end: destroy each
      // socket once its last reply is flushed, or the daemon would wait for it forever.
      for (const socket of sockets) socket.end(() => socket.destroy());
      rmSync(paths.socket, { force: true });
      rmSync(paths.tokenFile, { force: true });
      rmSync(paths.pidFile, { force: true });
      finished();
    })();
    return stopping;
  };
  process.once("SIGTERM", () => void shutdown("the daemon received SIGTERM"));
  process.once("SIGINT", () => void shutdown("the daemon received SIGINT"));
  process.once("SIGHUP", () => void shutdown("the daemon received SIGHUP"));

  const authorised = (given: unknown): boolean => {
    if (typeof given !== "string") return false;
    const buffer = Buffer.from(given);
    return buffer.length === token.length && timingSafeEqual(buffer, token);
  };

  const handle = async (request: DaemonRequest): Promise<Omit<DaemonReply, "id">> => {
    switch (request.op) {
      case "ping":
        return { ok: true, value: { pid: process.pid } };
      case "status":
        return {
          ok: true,
          value: JSON.parse(
            JSON.stringify({ ...(readDaemonInfo(paths) ?? {}), workers: pool.status() }),
          ) as DaemonReply["value"],
        };
      case "stop":
        setImmediate(() => void shutdown("the daemon was stopped (omnipkg daemon stop)"));
        return { ok: true, value: { pid: process.pid } };
      case "call":
      case "eval":
      case "exec": {
        const target = resolveTarget(configs.get(), request.python);
        const specs = Array.isArray(request.with) ? request.with.map(String) : [];
        const timeoutMs = typeof request.timeoutMs === "number" ? request.timeoutMs : undefined;
        const session = typeof request.session === "string" ? request.session : undefined;
        const reply = await pool.submit(
          target,
          specs,
          {
            op: request.op,
            target: request.target,
            args: request.args,
            kwargs: request.kwargs,
            expr: request.expr,
            code: request.code,
          },
          { timeoutMs, session },
        );
        return reply.ok ? { ok: true, value: reply.value ?? null } : { ok: false, error: reply.error! };
      }
      default:
        return {
          ok: false,
          fault: { code: "BAD_REQUEST", message: `Unknown operation ${JSON.stringify(request.op)}.` },
        };
    }
  };

  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const decoder = new FrameDecoder();
    const send = (reply: DaemonReply): void => {
      if (!socket.destroyed && socket.writable) socket.write(packFrame(reply));
    };
    socket.on("data", (chunk: Buffer) => {
      let messages;
      try {
        messages = decoder.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const message of messages) {
        const request = message as unknown as DaemonRequest;
        const id = typeof request.id === "number" ? request.id : 0;
        if (!authorised(request.token)) {
          send({
            id,
            ok: false,
            fault: { code: "BAD_TOKEN", message: "The daemon refused a request with a wrong token." },
          });
          socket.end();
          return;
        }
        if (stopping && request.op !== "ping" && request.op !== "status") {
          send({
            id,
            ok: false,
            fault: { code: "POOL_CLOSED", message: "The call was cancelled because the daemon is stopping." },
          });
          continue;
        }
        handle(request).then(
          (reply) => send({ id, ...reply }),
          (error: unknown) => send({ id, ok: false, fault: toFault(error) }),
        );
      }
    });
  });
  await done;
  return "stopped";
}
