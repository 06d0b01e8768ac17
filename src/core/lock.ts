import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { errnoCode, OmnipkgError } from "./errors.ts";

/**
 * Exclusive advisory lock between omnipkg processes: a lock file created with O_EXCL holding the
 * owner's pid. A second process waits (telling the user once), then proceeds. A lock left by a dead
 * process is taken over. Node has no flock(2), so staleness is judged by the pid.
 *
 * A process killed between creating the file and writing its pid leaves a lock with no owner.
 * Writing a pid takes microseconds, so such a lock that is older than EMPTY_LOCK_GRACE_MS is stale.
 */

export const EMPTY_LOCK_GRACE_MS = 5_000;

export interface LockOptions {
  /** Called once when the lock is busy, so the CLI can say "waiting for pid N". */
  onWait?: (ownerPid: number | undefined) => void;
  timeoutMs?: number;
  pollMs?: number;
}

export interface LockHandle {
  path: string;
  release(): void;
}

/** Whether process `pid` exists (it may be another user's: signal 0 then fails with EPERM). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return errnoCode(error) === "EPERM";
  }
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, "wx", 0o644);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (error) {
    if (errnoCode(error) === "EEXIST") return false;
    throw error;
  }
}

/**
 * Take over a lock whose owner is dead. Two processes may both see the same dead owner: each renames
 * the lock file to a private name (only one rename can win), then checks that what it moved really
 * was the dead owner's. If it moved a live lock instead (the other process won and re-created it),
 * it puts it back with link(), which cannot clobber.
 */
function stealStale(path: string, deadPid: number | undefined): void {
  const aside = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return;
    throw error;
  }
  const moved = readOwner(aside);
  if (moved !== undefined && moved !== deadPid && pidAlive(moved)) {
    try {
      linkSync(aside, path);
    } catch {
      // The path is taken again: that owner holds it; ours was the live one and is now lost to
      // it, which is the same outcome as a lock that changed hands.
    }
  }
  rmSync(aside, { force: true });
}

/** How long the lock file has existed without a readable pid (0 when it has one, or is gone). */
function ownerlessFor(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined || readOwner(path) !== undefined) return 0;
  return Date.now() - st.mtimeMs;
}

const sleepBuffer = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepBuffer, 0, 0, ms);
}

export function acquireLock(path: string, options: LockOptions = {}): LockHandle {
  mkdirSync(dirname(path), { recursive: true });
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const pollMs = options.pollMs ?? 15;
  const started = Date.now();
  let told = false;
  while (!tryCreate(path)) {
    const owner = readOwner(path);
    if (owner !== undefined && owner !== process.pid && !pidAlive(owner)) {
      stealStale(path, owner);
      continue;
    }
    if (owner === undefined && ownerlessFor(path) > EMPTY_LOCK_GRACE_MS) {
      stealStale(path, undefined);
      continue;
    }
    if (!told) {
      options.onWait?.(owner);
      told = true;
    }
    if (Date.now() - started > timeoutMs) {
      throw new OmnipkgError(
        "LOCK_TIMEOUT",
        `Timed out waiting for the lock ${path} held by pid ${owner ?? "?"}.`,
        {
          hint: "If no omnipkg process is running, delete that file.",
        },
      );
    }
    sleepSync(pollMs + Math.floor(Math.random() * pollMs));
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      if (readOwner(path) === process.pid) rmSync(path, { force: true });
    },
  };
}

export async function withLock<T>(
  path: string,
  fn: () => Promise<T> | T,
  options: LockOptions = {},
): Promise<T> {
  const handle = acquireLock(path, options);
  try {
    return await fn();
  } finally {
    handle.release();
  }
}
