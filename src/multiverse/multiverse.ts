import { spawn } from "node:child_process";
import { appendFileSync, closeSync, mkdirSync, openSync, readSync, fstatSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pLimit from "p-limit";
import type { Target } from "./interpreters.ts";
import { pythonArgs, type RunRequest } from "./launch.ts";

/**
 * `omnipkg multiverse`: the same target on several interpreters, each with its output in its own
 * log under `<home>/logs/multiverse/<run>/`, at most `parallel` at a time. Results keep the order
 * of the targets, whatever order they finish in.
 */

export type RunPhase = "queued" | "running" | "passed" | "failed";

export interface MultiverseResult {
  python: string;
  version: string;
  phase: RunPhase;
  exitCode: number | null;
  signal: string | null;
  wallMs: number;
  lastLine: string;
  log: string;
}

export interface MultiverseOptions {
  homeRoot: string;
  parallel?: number;
  /** Called whenever one interpreter changes phase (the CLI redraws its progress lines). */
  onProgress?: (results: MultiverseResult[]) => void;
}

function runId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

/** The last non-empty line of a log, reading only its tail. */
export function lastLineOf(path: string, tailBytes = 8192): string {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, tailBytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer
      .toString("utf8")
      .split(/\r?\n/)
      .map((l) => l.trimEnd())
      .filter(Boolean);
    return lines.at(-1) ?? "";
  } finally {
    closeSync(fd);
  }
}

export function runOneLogged(
  target: Target,
  request: RunRequest,
  log: string,
): Promise<{ exitCode: number | null; signal: string | null; wallMs: number }> {
  const fd = openSync(log, "w", 0o644);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(target.python, pythonArgs(request), { stdio: ["ignore", fd, fd] });
    closeSync(fd);
    child.once("error", (error) => {
      appendFileSync(log, `omnipkg: could not start ${target.python}: ${error.message}\n`);
      resolve({ exitCode: 127, signal: null, wallMs: performance.now() - started });
    });
    child.once("exit", (exitCode, signal) =>
      resolve({ exitCode, signal, wallMs: performance.now() - started }),
    );
  });
}

export async function runMultiverse(
  targets: Target[],
  request: RunRequest,
  options: MultiverseOptions,
): Promise<MultiverseResult[]> {
  const dir = join(options.homeRoot, "logs", "multiverse", runId());
  mkdirSync(dir, { recursive: true });
  const results: MultiverseResult[] = targets.map((t) => ({
    python: t.id,
    version: t.version,
    phase: "queued",
    exitCode: null,
    signal: null,
    wallMs: 0,
    lastLine: "",
    log: join(dir, `${t.id}.log`),
  }));
  const limit = pLimit(Math.max(1, options.parallel ?? Math.min(targets.length, availableParallelism())));
  const report = (): void => options.onProgress?.(results);
  await Promise.all(
    targets.map((target, i) =>
      limit(async () => {
        const result = results[i]!;
        result.phase = "running";
        report();
        const outcome = await runOneLogged(target, request, result.log);
        Object.assign(result, outcome);
        result.lastLine = lastLineOf(result.log);
        result.phase = outcome.exitCode === 0 ? "passed" : "failed";
        report();
      }),
    ),
  );
  return results;
}
