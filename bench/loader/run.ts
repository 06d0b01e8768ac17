/**
 * bench/loader: what omnipkg.loader() costs per interpreter, with a bubble of 20 distributions
 * (main holds their other versions plus 60 unrelated ones; 19 more bubbles sit beside it).
 *
 * - enter+exit: `with loader("bigpkg==2.0.0"): pass` while main's bigpkg (and its 19 dependencies)
 *   is imported, so each round snapshots, removes and restores their modules (the import excluded);
 * - switch: enter the bubble, import bigpkg 2.0.0 with its 19 dependencies from it, leave (back to
 *   main's already-imported 1.0.0 objects);
 * - fresh process: a plain `import bigpkg` in a new interpreter (time of the import inside it, and
 *   the wall time of `python -c "import bigpkg"` seen from here) — what switching without a loader
 *   costs.
 * Run: node --import tsx bench/loader/run.ts [--iterations N]. Writes .bench-out/loader.json.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findTestPythonsAtLeast } from "../../test/helpers/pythons.ts";
import {
  installRuntime,
  makeTempDir,
  makeVenv,
  repoRoot,
  writeBubble,
  writeDist,
  type Dist,
} from "../../test/runtime/fixtures.ts";

const DISTS = 20;
const FILLERS = 60;
const EXTRA_BUBBLES = 19;
const iterationsArg = process.argv.indexOf("--iterations");
const iterations = iterationsArg > 0 ? Number(process.argv[iterationsArg + 1]) : 2000;

function dep(i: number, version: string): Dist {
  const mod = `bigdep${String(i).padStart(2, "0")}`;
  return {
    name: `big-dep-${String(i).padStart(2, "0")}`,
    version,
    files: {
      [`${mod}/__init__.py`]: `VERSION = "${version}"\nfrom . import core, util\n`,
      [`${mod}/core.py`]: `import json, re\n\ndef value():\n    return ${JSON.stringify(version)}\n`,
      [`${mod}/util.py`]: `from .core import value\n\nTABLE = {i: str(i) for i in range(50)}\n`,
    },
  };
}

function bigpkg(version: string): Dist {
  const imports = Array.from(
    { length: DISTS - 1 },
    (_, i) => `import bigdep${String(i + 1).padStart(2, "0")}`,
  );
  return {
    name: "bigpkg",
    version,
    requires: Array.from({ length: DISTS - 1 }, (_, i) => `big-dep-${String(i + 1).padStart(2, "0")}`),
    files: { "bigpkg/__init__.py": `VERSION = "${version}"\n${imports.join("\n")}\n` },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function runJson(python: string, args: string[]): Record<string, number> {
  const out = execFileSync(python, args, {
    encoding: "utf8",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "" },
  });
  return JSON.parse(out) as Record<string, number>;
}

const root = makeTempDir("bench-loader");
const results: Record<string, unknown>[] = [];
try {
  const seen = new Set<string>();
  for (const python of findTestPythonsAtLeast(8)) {
    if (seen.has(python.minor)) continue;
    seen.add(python.minor);
    const venv = makeVenv(python.path, join(root, python.version));
    installRuntime(venv.site);
    writeDist(venv.site, bigpkg("1.0.0"));
    for (let i = 1; i < DISTS; i++) writeDist(venv.site, dep(i, "1.0.0"));
    for (let i = 0; i < FILLERS; i++) {
      writeDist(venv.site, { name: `filler-${i}`, version: "1.0", files: { [`filler${i}.py`]: "X = 1\n" } });
    }
    const members = [bigpkg("2.0.0"), ...Array.from({ length: DISTS - 1 }, (_, i) => dep(i + 1, "2.0.0"))];
    writeBubble(
      venv,
      members[0]!,
      members.map((dist) => ({ dist, location: "bubble" as const })),
    );
    // Other bubbles on disk: each loader() call stats every bubble folder to notice changes.
    for (let i = 1; i < EXTRA_BUBBLES + 1; i++) {
      const other: Dist = { name: `other-${i}`, version: "2.0", files: { [`other${i}.py`]: "X = 2\n" } };
      writeBubble(venv, other, [{ dist: other, location: "bubble" }]);
    }
    // Compile bytecode up front, as an installer that compiles does, so imports are warm-cache.
    execFileSync(venv.python, ["-m", "compileall", "-q", venv.site, join(venv.dir, "bubbles")]);
    const script = join(repoRoot, "bench", "loader", "measure.py");
    const loader = runJson(venv.python, [script, "loader", String(iterations)]);
    const switched = runJson(venv.python, [
      script,
      "switch",
      String(Math.max(50, Math.floor(iterations / 10))),
    ]);
    const imports: number[] = [];
    const walls: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 15; i++) {
      imports.push(runJson(venv.python, [script, "import", "1"]).import_ns!);
      let start = process.hrtime.bigint();
      spawnSync(venv.python, ["-c", "import bigpkg"]);
      walls.push(Number(process.hrtime.bigint() - start));
      start = process.hrtime.bigint();
      spawnSync(venv.python, ["-c", "pass"]);
      bare.push(Number(process.hrtime.bigint() - start));
    }
    const row = {
      python: python.version,
      distributions: DISTS,
      modulesLoaded: loader.modules,
      enterExitUs: loader.median_ns! / 1000,
      switchWithImportUs: switched.median_ns! / 1000,
      freshProcessImportUs: median(imports) / 1000,
      freshProcessWallUs: median(walls) / 1000,
      bareProcessWallUs: median(bare) / 1000,
    };
    results.push({
      ...row,
      switchVsFreshImport: row.switchWithImportUs / row.freshProcessImportUs,
      freshWallVsSwitch: row.freshProcessWallUs / row.switchWithImportUs,
    });
    const f = (us: number): string => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`);
    console.log(
      `Python ${row.python.padEnd(8)} enter+exit ${f(row.enterExitUs).padStart(8)}  ` +
        `switch+import ${f(row.switchWithImportUs).padStart(8)}  ` +
        `fresh-process import ${f(row.freshProcessImportUs).padStart(8)} (wall ${f(row.freshProcessWallUs)})  ` +
        `switch is ${(row.freshProcessWallUs / row.switchWithImportUs).toFixed(1)}x faster than a new process`,
    );
  }
  const outDir = join(repoRoot, ".bench-out");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, "loader.json"),
    JSON.stringify(
      { bench: "loader", iterations, distributions: DISTS, extraBubbles: EXTRA_BUBBLES, results },
      null,
      2,
    ) + "\n",
  );
  console.log(
    `target: enter+exit under 1 ms with ${DISTS} distributions in the bubble; wrote .bench-out/loader.json`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
