/**
 * Standards micro-benchmark: versions parsed per second and specifier checks per second, ours
 * against pip's vendored packaging (the interpreter the differential tests use), on the same
 * inputs, each side timing itself in one process. Prints ratios; writes .bench-out/standards.json.
 * (The index half of this bench, fetching 200 projects' metadata, is bench/standards/index-fetch.ts.)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseVersion, SpecifierSet } from "../../src/standards/index.ts";
import { findOracle, rng } from "../../test/standards/oracle.ts";
import { genVersion } from "../../test/standards/gen.ts";

const VERSION_COUNT = 20_000;
const SPEC_COUNT = 500;
const CANDIDATES_PER_SPEC = 40;

function makeInputs(): { versions: string[]; specs: string[]; candidates: string[] } {
  const r = rng(2026);
  const versions: string[] = [];
  while (versions.length < VERSION_COUNT) {
    const v = genVersion(r).trim();
    try {
      parseVersion(v);
      versions.push(v);
    } catch {
      // only valid versions: both sides then do the same work
    }
  }
  const ops = [">=", "<", "==", "!=", "~=", "<=", ">"];
  const specs = Array.from({ length: SPEC_COUNT }, (_, i) => {
    const n = 1 + (i % 3);
    return Array.from({ length: n }, (_, j) => {
      const op = ops[(i + j) % ops.length]!;
      const base = `${1 + ((i * 7 + j) % 5)}.${(i + j) % 10}`;
      return op === "==" && i % 2 ? `${op}${base}.*` : `${op}${base}`;
    }).join(",");
  });
  const candidates = versions.slice(0, CANDIDATES_PER_SPEC);
  return { versions, specs, candidates };
}

const PY_BENCH = `
import json, sys, time
from pip._vendor.packaging.version import Version
from pip._vendor.packaging.specifiers import SpecifierSet
data = json.load(sys.stdin)
def best(fn, rounds=3):
    times = []
    for _ in range(rounds):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return min(times)
vs, specs, cands = data["versions"], data["specs"], data["candidates"]
parse_s = best(lambda: [Version(v) for v in vs])
sets = [SpecifierSet(s) for s in specs]
def check():
    n = 0
    for s in sets:
        for c in cands:
            n += s.contains(c)
    return n
spec_s = best(check)
print(json.dumps({"parse_s": parse_s, "spec_s": spec_s, "admitted": check()}))
`;

function best(fn: () => unknown, rounds = 3): number {
  let min = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return min;
}

function main(): void {
  const inputs = makeInputs();
  const oracle = findOracle();
  const py = JSON.parse(
    execFileSync(oracle.path, ["-I", "-c", PY_BENCH], { input: JSON.stringify(inputs), encoding: "utf8" }),
  ) as { parse_s: number; spec_s: number; admitted: number };

  // Warm the JIT once, as the Python side has no equivalent cost worth modelling.
  inputs.versions.forEach((v) => parseVersion(v));
  const parseS = best(() => inputs.versions.map((v) => parseVersion(v)));
  const sets = inputs.specs.map((s) => new SpecifierSet(s));
  const check = (): number => {
    let n = 0;
    for (const s of sets) for (const c of inputs.candidates) n += s.contains(c) ? 1 : 0;
    return n;
  };
  const admitted = check();
  const specS = best(check);
  if (admitted !== py.admitted)
    throw new Error(`disagreement: ours admitted ${admitted}, packaging ${py.admitted}`);

  const checks = SPEC_COUNT * CANDIDATES_PER_SPEC;
  const result = {
    packaging: `pip._vendor.packaging ${oracle.packaging} on Python ${oracle.version}`,
    versionsParsedPerSecond: { omnipkg: VERSION_COUNT / parseS, packaging: VERSION_COUNT / py.parse_s },
    specifierChecksPerSecond: { omnipkg: checks / specS, packaging: checks / py.spec_s },
    ratios: { parse: py.parse_s / parseS, specifiers: py.spec_s / specS },
    inputs: { versions: VERSION_COUNT, specifierSets: SPEC_COUNT, candidatesPerSet: CANDIDATES_PER_SPEC },
  };
  const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
  console.log(`standards bench (vs ${result.packaging})`);
  console.log(
    `  versions parsed/s:  omnipkg ${fmt(result.versionsParsedPerSecond.omnipkg)}  packaging ${fmt(result.versionsParsedPerSecond.packaging)}  ratio ${result.ratios.parse.toFixed(1)}x`,
  );
  console.log(
    `  specifier checks/s: omnipkg ${fmt(result.specifierChecksPerSecond.omnipkg)}  packaging ${fmt(result.specifierChecksPerSecond.packaging)}  ratio ${result.ratios.specifiers.toFixed(1)}x`,
  );
  mkdirSync(".bench-out", { recursive: true });
  writeFileSync(join(".bench-out", "standards.json"), JSON.stringify(result, null, 2) + "\n");
}

main();
