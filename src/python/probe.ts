import { realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../core/errors.ts";
import { runtimeDir } from "../core/packageRoot.ts";
import { createDebug } from "../core/debug.ts";
import type { KnowledgeBase, ProbeCacheKey } from "../kb/types.ts";
import type { InterpreterFacts } from "./facts.ts";
import { NotAPython, UnsupportedPython } from "./errors.ts";

/**
 * Runs src/runtime/probe.py in an interpreter, once per executable: the answer is cached in the
 * knowledge base under (real path, mtime, size), so upgrading the interpreter in place invalidates
 * it and a repeated `list python` spawns nothing. Python 2 either rejects `-I` with a usage error
 * (exit 2, "Unknown option: -I") or, when run without it, prints {"error": "unsupported"}; both
 * become one clear refusal.
 */

export type ProbeCache = Pick<KnowledgeBase, "getProbe" | "putProbe">;

const debug = createDebug("python");
const PROBE_TIMEOUT_MS = 30_000;

export function probeCacheKey(path: string): ProbeCacheKey {
  let realPath: string;
  try {
    realPath = realpathSync(path);
  } catch (error) {
    throw new NotAPython(path, errnoCode(error) === "ENOENT" ? "no such file" : String(errnoCode(error)));
  }
  const st = statSync(realPath);
  if (!st.isFile()) throw new NotAPython(path, "it is not a file");
  return { path: realPath, mtimeMs: Math.trunc(st.mtimeMs), size: st.size };
}

interface SpawnResult {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: string;
}

async function runProbe(executable: string): Promise<SpawnResult> {
  // Loaded here: with the probe cache warm no process is spawned, and child_process (with net and
  // dgram under it) is a few ms of start-up for every command that only reads the cache.
  const { execFile } = await import("node:child_process");
  return new Promise((resolve) => {
    execFile(
      executable,
      ["-I", "-S", join(runtimeDir(), "probe.py")],
      { timeout: PROBE_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        const errno = error ? errnoCode(error) : undefined;
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout, stderr, spawnError: errno });
      },
    );
  });
}

function isFacts(value: unknown): value is InterpreterFacts {
  const v = value as Partial<InterpreterFacts> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.version === "string" &&
    typeof v.implementation === "string" &&
    typeof v.real_executable === "string" &&
    Array.isArray(v.version_info)
  );
}

/** Probe without the cache. `path` is what gets run; the caller decides which name to use. */
export async function runInterpreterProbe(path: string): Promise<InterpreterFacts> {
  const result = await runProbe(path);
  if (result.spawnError) {
    const detail =
      result.spawnError === "ENOENT"
        ? "no such file"
        : result.spawnError === "EACCES"
          ? "it is not executable"
          : result.spawnError === "ENOEXEC"
            ? "it is not a program this system can run"
            : `it could not be started (${result.spawnError})`;
    throw new NotAPython(path, detail);
  }
  const stderr = result.stderr.trim();
  if (result.code !== 0) {
    if (/Unknown option:? -I|unknown option -I/i.test(stderr)) throw new UnsupportedPython(path, undefined);
    const firstLine = stderr.split("\n").pop() || `exit code ${result.code}`;
    throw new NotAPython(path, `the probe failed (${firstLine})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    throw new NotAPython(path, "it did not answer the interpreter probe");
  }
  const asError = parsed as { error?: unknown; version?: unknown };
  if (asError && asError.error === "unsupported") {
    throw new UnsupportedPython(path, typeof asError.version === "string" ? asError.version : undefined);
  }
  if (!isFacts(parsed)) throw new NotAPython(path, "its probe answer is incomplete");
  return parsed;
}

/** Facts of the interpreter at `path`, from the cache when its real file is unchanged. */
export async function probeInterpreter(path: string, cache?: ProbeCache): Promise<InterpreterFacts> {
  const key = probeCacheKey(path);
  if (cache) {
    const hit = await cache.getProbe(key);
    if (hit) return hit;
  }
  debug(`probing ${key.path}`);
  const facts = await runInterpreterProbe(key.path);
  if (cache) await cache.putProbe(key, facts);
  return facts;
}
