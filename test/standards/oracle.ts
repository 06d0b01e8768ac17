/**
 * Runs pip's vendored `packaging` as the reference implementation: one Python process per batch,
 * questions as JSON on stdin, answers as JSON on stdout. The oracle interpreter is the newest one
 * whose vendored packaging is >= 22 (no LegacyVersion), the semantics the standards core targets.
 */
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findTestPythons, type TestPython } from "../helpers/pythons.ts";

const ORACLE = join(dirname(fileURLToPath(import.meta.url)), "oracle.py");

export type OracleOp = [string, ...unknown[]];
export type OracleResult = { ok: unknown } | { err: string };

/** Version of `pip._vendor.packaging` on an interpreter, or undefined without pip. */
export function vendoredPackagingVersion(python: string): string | undefined {
  try {
    return execFileSync(python, ["-c", "from pip._vendor import packaging; print(packaging.__version__)"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 20_000,
    }).trim();
  } catch {
    return undefined;
  }
}

let oracle: TestPython | undefined;

/** The interpreter to ask; throws (the test fails, never skips) when the machine has none. */
export function findOracle(): TestPython & { packaging: string } {
  for (const py of findTestPythons()) {
    const v = vendoredPackagingVersion(py.path);
    if (v !== undefined && Number(v.split(".")[0]) >= 22) {
      oracle = py;
      return { ...py, packaging: v };
    }
  }
  throw new Error(
    `No interpreter with pip vendoring packaging >= 22 found among ${findTestPythons()
      .map((p) => p.path)
      .join(", ")}; install pip >= 22.3 into one of them.`,
  );
}

export function askOracle(ops: OracleOp[], python?: string): OracleResult[] {
  const exe = python ?? (oracle ??= findOracle()).path;
  const out = execFileSync(exe, ["-I", "-W", "ignore", ORACLE], {
    input: JSON.stringify({ ops }),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  const parsed = JSON.parse(out) as { results: OracleResult[] };
  return parsed.results;
}

/** Run one of our functions the same way: a value, or the error class name. */
export function ours(fn: () => unknown): OracleResult {
  try {
    return { ok: fn() };
  } catch (error) {
    if (error instanceof Error && error.name !== "Error" && error.name !== "TypeError")
      return { err: error.name };
    throw error;
  }
}

/** Deterministic PRNG (mulberry32) so a failing case reproduces from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}
