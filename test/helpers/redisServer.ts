import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real redis-server for tests, on a free loopback port, with persistence off (`--save ''`,
 * `--appendonly no`) and its working folder in a temp dir that `stop()` removes, so nothing is
 * left behind. Tests never touch a system Redis: the port is picked fresh each time.
 */
export interface RedisServer {
  port: number;
  /** redis://127.0.0.1:<port>/<db> */
  url(db?: number): string;
  /** SIGKILL, as a crash or a pulled cable would; the port stays reserved for `start()`. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a server that accepts bytes but answers nothing (a command stays in flight). */
  freeze(): void;
  thaw(): void;
  /** Starts it again on the same port (empty: nothing was persisted). */
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  stop(): Promise<void>;
  /** Files redis-server left in its folder (should stay empty). */
  leftovers(): string[];
}

function findRedisServer(): string {
  const found = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (found.error || found.status !== 0) {
    throw new Error(
      "redis-server is not installed, and the knowledge-base tests need a real one. " +
        "Install Debian's package (`apt-get install -y redis-server`; .ci/run does this), then run the tests again.",
    );
  }
  return "redis-server";
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Any reply (PONG, or NOAUTH from a password-protected server) means it is up. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    socket.setTimeout(500, () => socket.destroy());
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) socket.end();
    });
    socket.once("close", () => resolve(reply.startsWith("+PONG") || reply.startsWith("-NOAUTH")));
    socket.once("error", () => resolve(false));
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server: timed out waiting for ${what}`);
}

export interface RedisServerOptions {
  /** Extra redis-server arguments, e.g. ["--requirepass", "secret"]. */
  args?: string[];
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  const dir = mkdtempSync(join(tmpdir(), "omnipkg-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let stderr = "";

  async function start(): Promise<void> {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    args.push(
      "--dir",
      dir,
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
      "--logfile",
      "",
      ...(options.args ?? []),
    );
    child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<boolean>((resolve) => child!.once("exit", () => resolve(false)));
    await waitFor(async () => {
      if (child!.exitCode !== null) throw new Error(`redis-server exited on port ${port}: ${stderr.trim()}`);
      return Promise.race([ping(port), exited]);
    }, `port ${port}`);
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill(signal);
    running.kill("SIGCONT"); // a frozen server only acts on SIGTERM once it runs again
    await exited;
  }

  await start();
  return {
    port,
    url: (db = 0) => `redis://127.0.0.1:${port}/${db}`,
    kill: () => halt("SIGKILL"),
    freeze: () => void child?.kill("SIGSTOP"),
    thaw: () => void child?.kill("SIGCONT"),
    start,
    stop: async () => {
      await halt("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
    leftovers: () => readdirSync(dir),
  };
}
