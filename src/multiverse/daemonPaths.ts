import { createHash } from "node:crypto";
import { chmodSync, lstatSync, mkdirSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { OmnipkgError } from "../core/errors.ts";

/**
 * Where the daemon's socket, token and pid file live. The folder is private (0700, owned by us)
 * because the daemon runs arbitrary code for whoever can connect: the socket (0600) and the token
 * (0600, required on every request) are two more locks on the same door. Nothing listens on TCP.
 *
 * With XDG_RUNTIME_DIR (a per-user tmpfs the login manager creates) the folder is
 * `$XDG_RUNTIME_DIR/omnipkg/<hash of the home>`, so two homes of one user get two daemons; without
 * it, `<home>/run`. omnipkg_worker/client.py computes the same paths: keep the two in step.
 */

export interface DaemonPaths {
  dir: string;
  socket: string;
  tokenFile: string;
  pidFile: string;
  lockFile: string;
  logFile: string;
}

/** Linux's sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

function canonicalHome(home: string): string {
  try {
    return realpathSync(home);
  } catch {
    return resolve(home);
  }
}

export function daemonPaths(home: string, env: NodeJS.ProcessEnv = process.env): DaemonPaths {
  const root = canonicalHome(home);
  const xdg = env.XDG_RUNTIME_DIR;
  const dir = xdg
    ? join(resolve(xdg), "omnipkg", createHash("sha256").update(root).digest("hex").slice(0, 12))
    : join(root, "run");
  return {
    dir,
    socket: join(dir, "daemon.sock"),
    tokenFile: join(dir, "token"),
    pidFile: join(dir, "daemon.json"),
    lockFile: join(dir, "start.lock"),
    logFile: join(root, "logs", "daemon.log"),
  };
}

/** Create `dir` (and its `omnipkg` parent under XDG_RUNTIME_DIR) as 0700, refusing folders we do not own. */
export function ensurePrivateDir(dir: string, env: NodeJS.ProcessEnv = process.env): void {
  const dirs = [dir];
  if (env.XDG_RUNTIME_DIR) dirs.unshift(join(resolve(env.XDG_RUNTIME_DIR), "omnipkg"));
  for (const path of dirs) {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    const stat = lstatSync(path);
    const uid = process.getuid?.();
    if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) {
      throw new OmnipkgError(
        "DAEMON_UNSAFE_DIR",
        `The daemon folder ${path} is not a directory owned by this user, so the daemon will not use it.`,
        { hint: "Remove it, or point OMNIPKG_HOME / XDG_RUNTIME_DIR elsewhere." },
      );
    }
    // mkdir's mode is filtered by the umask, and an existing folder keeps whatever mode it had.
    if ((stat.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
  }
  if (Buffer.byteLength(join(dir, "daemon.sock")) > MAX_SOCKET_PATH_BYTES) {
    throw new OmnipkgError(
      "DAEMON_PATH_TOO_LONG",
      `The daemon socket path ${join(dir, "daemon.sock")} is longer than a Unix socket allows.`,
      { hint: "Set XDG_RUNTIME_DIR, or use a shorter OMNIPKG_HOME." },
    );
  }
}
