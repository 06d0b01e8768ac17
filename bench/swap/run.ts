/**
 * Swap benchmark, omnipkg against pyenv in the same run:
 *  - switch: median wall time of `omnipkg swap python X` (alternating two adopted versions, a fresh
 *    `node bin/omnipkg.js` process each time, as a user runs it) vs `pyenv global X`;
 *  - per call: `python -c pass` through omnipkg's shim (`<home>/active/bin/python`), through
 *    pyenv's shim, and the interpreter run directly, interleaved so drift hits all three alike.
 * pyenv's global version file is saved byte for byte and restored. Without pyenv its columns read
 * n/a. Writes .bench-out/swap.json.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { findTestPythons, type TestPython } from "../../test/helpers/pythons.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "omnipkg.js");
const SWAPS = 30;
const CALLS = 30;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeRun(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr?.toString()}`);
  return ms;
}

function findPyenv(): { bin: string; root: string } | undefined {
  const root = process.env.PYENV_ROOT ?? join(homedir(), ".pyenv");
  for (const dir of [join(root, "bin"), ...(process.env.PATH ?? "").split(delimiter)]) {
    const bin = join(dir, "pyenv");
    if (dir && existsSync(bin)) return { bin, root };
  }
  return undefined;
}

const fmt = (ms: number | null): string => (ms === null ? "n/a" : `${ms.toFixed(1)} ms`);
const ratio = (a: number | null, b: number | null): number | null =>
  a === null || b === null ? null : a / b;
const fmtRatio = (r: number | null): string => (r === null ? "n/a" : `${r.toFixed(2)}x`);

if (!existsSync(join(ROOT, "dist", "cli.js"))) throw new Error("Run `npm run build` first.");
const pythons = findTestPythons();
const pyenv = findPyenv();
// Prefer two versions pyenv also has, so both tools switch between the same pair.
const pyenvVersions = pyenv ? new Set(readPyenvVersions(pyenv.root)) : new Set<string>();
const pair = [...pythons.filter((p) => pyenvVersions.has(p.version)), ...pythons].filter(
  (p, i, all) => all.findIndex((q) => q.version === p.version) === i,
);
if (pair.length < 2) throw new Error(`bench/swap needs two Python 3 interpreters; found ${pair.length}.`);
const [a, b] = pair as [TestPython, TestPython];

function readPyenvVersions(root: string): string[] {
  try {
    return execFileSync("ls", [join(root, "versions")], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
  } catch {
    return [];
  }
}

const dir = mkdtempSync(join(tmpdir(), "omnipkg-bench-swap-"));
const home = join(dir, "home");
const env: NodeJS.ProcessEnv = { ...process.env, OMNIPKG_HOME: home, NO_COLOR: "1" };
delete env.OMNIPKG_DEBUG;
const versionFile = pyenv ? join(pyenv.root, "version") : undefined;
const savedVersionFile = versionFile && existsSync(versionFile) ? readFileSync(versionFile) : undefined;

try {
  process.stdout.write(`Adopting ${a.version} and ${b.version} into a temp home...\n`);
  for (const p of [a, b])
    execFileSync(process.execPath, [BIN, "python", "adopt", p.version], { env, stdio: "ignore" });

  const nodeStart: number[] = [];
  const omnipkgSwap: number[] = [];
  const pyenvGlobal: number[] = [];
  for (let i = 0; i < 3; i++)
    timeRun(process.execPath, [BIN, "swap", "python", i % 2 ? a.version : b.version], env);
  for (let i = 0; i < SWAPS; i++) {
    const target = i % 2 ? a.version : b.version;
    nodeStart.push(timeRun(process.execPath, ["-e", "0"], env));
    omnipkgSwap.push(timeRun(process.execPath, [BIN, "swap", "python", target], env));
    if (pyenv) pyenvGlobal.push(timeRun(pyenv.bin, ["global", target], { ...env, PYENV_ROOT: pyenv.root }));
  }

  // Per-call cost: everything set to version a.
  execFileSync(process.execPath, [BIN, "swap", "python", a.version], { env, stdio: "ignore" });
  const omnipkgShim = join(home, "active", "bin", "python");
  const pyenvShim = pyenv ? join(pyenv.root, "shims", "python") : undefined;
  const pyenvEnv = { ...env, PYENV_ROOT: pyenv?.root, PYENV_VERSION: a.version };
  const direct: number[] = [];
  const viaOmnipkg: number[] = [];
  const viaPyenv: number[] = [];
  for (let i = 0; i < CALLS + 2; i++) {
    const d = timeRun(a.path, ["-c", "pass"], env);
    const o = timeRun(omnipkgShim, ["-c", "pass"], env);
    const p = pyenvShim ? timeRun(pyenvShim, ["-c", "pass"], pyenvEnv) : null;
    if (i < 2) continue; // warm-up
    direct.push(d);
    viaOmnipkg.push(o);
    if (p !== null) viaPyenv.push(p);
  }

  const report = {
    versions: [a.version, b.version],
    rounds: { swaps: SWAPS, calls: CALLS },
    nodeStartMs: median(nodeStart),
    omnipkgSwapMs: median(omnipkgSwap),
    pyenvGlobalMs: pyenv ? median(pyenvGlobal) : null,
    swapRatioOmnipkgToPyenv: ratio(median(omnipkgSwap), pyenv ? median(pyenvGlobal) : null),
    directCallMs: median(direct),
    omnipkgShimCallMs: median(viaOmnipkg),
    pyenvShimCallMs: pyenv ? median(viaPyenv) : null,
    omnipkgShimOverheadRatio: median(viaOmnipkg) / median(direct),
    pyenvShimOverheadRatio: ratio(pyenv ? median(viaPyenv) : null, median(direct)),
  };
  const lines = [
    `swap between ${a.version} and ${b.version} (median of ${SWAPS}):`,
    `  omnipkg swap python X   ${fmt(report.omnipkgSwapMs)}   (bare node -e 0: ${fmt(report.nodeStartMs)})`,
    `  pyenv global X          ${fmt(report.pyenvGlobalMs)}`,
    `  omnipkg / pyenv         ${fmtRatio(report.swapRatioOmnipkgToPyenv)}`,
    `python -c pass, Python ${a.version} (median of ${CALLS}):`,
    `  direct                  ${fmt(report.directCallMs)}`,
    `  omnipkg shim            ${fmt(report.omnipkgShimCallMs)}   (${fmtRatio(report.omnipkgShimOverheadRatio)} of direct)`,
    `  pyenv shim              ${fmt(report.pyenvShimCallMs)}   (${fmtRatio(report.pyenvShimOverheadRatio)} of direct)`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
  mkdirSync(join(ROOT, ".bench-out"), { recursive: true });
  writeFileSync(join(ROOT, ".bench-out", "swap.json"), JSON.stringify(report, null, 2) + "\n");
} finally {
  if (versionFile) {
    if (savedVersionFile === undefined) rmSync(versionFile, { force: true });
    else writeFileSync(versionFile, savedVersionFile);
  }
  rmSync(dir, { recursive: true, force: true });
}
