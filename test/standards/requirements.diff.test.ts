// PEP 508 requirements and markers against pip's vendored packaging (>= 22): what parses, where a
// syntax error points and why, the printed forms, and marker evaluation on several environments.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  canonicalizeName,
  evaluateMarker,
  InvalidName,
  InvalidRequirement,
  isNormalizedName,
  parseMarker,
  parseRequirement,
} from "../../src/standards/index.ts";
import { askOracle, ours, pick, rng, type OracleResult } from "./oracle.ts";
import { corrupt, genVersion } from "./gen.ts";

type R = () => number;
const VARS = [
  "python_version",
  "python_full_version",
  "os_name",
  "os.name",
  "sys_platform",
  "sys.platform",
  "platform_release",
  "platform_system",
  "platform_version",
  "platform_machine",
  "platform.machine",
  "platform_python_implementation",
  "python_implementation",
  "implementation_name",
  "implementation_version",
  "extra",
];
const VALUES = [
  "3.8",
  "3.11",
  "3",
  "3.11.7",
  "2.7",
  "posix",
  "nt",
  "linux",
  "win32",
  "Linux",
  "x86_64",
  "cpython",
  "CPython",
  "Te_st",
  "test",
  "te-st",
  "",
  "6.1",
  "foo bar",
  "3.*",
  "1.0+local",
  "lin",
];
const MARKER_OPS = ["==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in"];

function ws(r: R): string {
  return r() < 0.6 ? "" : pick(r, [" ", "  ", "\t"]);
}

function quoteValue(r: R, v: string): string {
  if (r() < 0.03) return pick(r, ["'a\\tb'", "'\\x41'", "'caf\\u00e9'", "'a\\'", "'\\q'"]);
  return r() < 0.5 ? `'${v}'` : `"${v}"`;
}

function genMarkerItem(r: R): string {
  const v = pick(r, VARS);
  const val = r() < 0.3 ? genVersion(r, { local: false }) : pick(r, VALUES);
  const op = pick(r, MARKER_OPS);
  const parts = r() < 0.8 ? [v, op, quoteValue(r, val)] : [quoteValue(r, val), op, v];
  if (r() < 0.02) parts[2] = pick(r, VARS);
  return parts.join(r() < 0.85 ? " " : ws(r));
}

export function genMarker(r: R, depth = 0): string {
  const n = 1 + Math.floor(r() * (depth > 1 ? 1 : 3));
  const atoms = Array.from({ length: n }, () =>
    depth < 2 && r() < 0.25 ? `(${ws(r)}${genMarker(r, depth + 1)}${ws(r)})` : genMarkerItem(r),
  );
  return atoms.reduce((acc, a) => `${acc} ${pick(r, ["and", "or"])} ${a}`);
}

function genName(r: R): string {
  const chars = "abcXYZ019._-";
  let s = pick(r, ["requests", "Foo_Bar", "zope.interface", "a", "pkg-1", "X"]);
  if (r() < 0.3) s += Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(r, [...chars])).join("");
  return s;
}

function genSpecifiers(r: R): string {
  const n = Math.floor(r() * 3);
  const specs = Array.from({ length: n }, () => {
    const op = pick(r, ["==", ">=", "<", "!=", "~=", ">", "<=", "==="]);
    let v = genVersion(r, { local: op === "==" || op === "!=", minParts: op === "~=" ? 2 : 1 }).trim();
    if ((op === "==" || op === "!=") && r() < 0.2) v = "1.0.*";
    return op + ws(r) + v;
  });
  const body = specs.join(`${ws(r)},${ws(r)}`);
  return r() < 0.25 && body ? `(${ws(r)}${body}${ws(r)})` : body;
}

export function genRequirement(r: R): string {
  let s = ws(r) + genName(r) + ws(r);
  if (r() < 0.3) {
    const extras = Array.from({ length: Math.floor(r() * 3) }, () =>
      pick(r, ["security", "Te_st", "socks", "a.b"]),
    );
    s += `[${ws(r)}${extras.join(`${ws(r)},${ws(r)}`)}${ws(r)}]${ws(r)}`;
  }
  if (r() < 0.15) {
    s += `@${ws(r)}${pick(r, ["https://example.com/a-1.0.tar.gz", "file:///tmp/x.whl", "git+https://h/r.git@v1#egg=x"])}`;
    if (r() < 0.5) s += ` ${ws(r)};${ws(r)}${genMarker(r)}`;
  } else {
    s += genSpecifiers(r);
    if (r() < 0.4) s += `${ws(r)};${ws(r)}${genMarker(r)}`;
  }
  if (r() < 0.05) s += pick(r, ["\n", " ", "\t"]);
  return s;
}

const ENVS = [
  {
    implementation_name: "cpython",
    implementation_version: "3.11.7",
    os_name: "posix",
    platform_machine: "x86_64",
    platform_release: "6.1",
    platform_system: "Linux",
    platform_version: "#1 SMP",
    python_full_version: "3.11.7",
    platform_python_implementation: "CPython",
    python_version: "3.11",
    sys_platform: "linux",
  },
  {
    implementation_name: "pypy",
    implementation_version: "7.3.13",
    os_name: "nt",
    platform_machine: "AMD64",
    platform_release: "10",
    platform_system: "Windows",
    platform_version: "10.0.19041",
    python_full_version: "3.8.10",
    platform_python_implementation: "PyPy",
    python_version: "3.8",
    sys_platform: "win32",
  },
  {
    implementation_name: "cpython",
    implementation_version: "3.13.0a2",
    os_name: "posix",
    platform_machine: "arm64",
    platform_release: "6.1.0-13-amd64",
    platform_system: "Darwin",
    platform_version: "Darwin Kernel",
    python_full_version: "3.13.0",
    platform_python_implementation: "CPython",
    python_version: "3.13",
    sys_platform: "darwin",
  },
];

// packaging raises Python-level errors where we raise typed ones.
const ERROR_NAMES: Record<string, string> = {
  KeyError: "UndefinedEnvironmentName",
  SyntaxError: "InvalidMarker",
  ValueError: "InvalidMarker",
};
function normalizeErr(res: OracleResult, ourKind: string): OracleResult {
  if (!("err" in res)) return res;
  const name = ERROR_NAMES[res.err] ?? res.err;
  // A bad string literal inside a requirement is our InvalidRequirement.
  return { err: name === "InvalidMarker" && ourKind === "requirement" ? "InvalidRequirement" : name };
}

function describeRequirement(s: string) {
  const req = parseRequirement(s);
  return {
    name: req.name,
    extras: [...req.extras],
    specifier: req.specifier.toString(),
    url: req.url,
    marker: req.marker === null ? null : req.marker.toString(),
    str: req.toString(),
  };
}

test("requirements parse and print as packaging does, on 5,000 generated and corrupted ones", () => {
  const r = rng(508);
  const inputs: string[] = [];
  for (let i = 0; i < 3000; i++) inputs.push(genRequirement(r));
  for (let i = 0; i < 2000; i++) inputs.push(corrupt(r, genRequirement(r)));
  const expected = askOracle(inputs.map((s) => ["requirement", s]));
  const syntax = askOracle(inputs.map((s) => ["req_syntax", s]));
  let valid = 0;
  inputs.forEach((s, i) => {
    const got = ours(() => describeRequirement(s));
    assert.deepEqual(got, normalizeErr(expected[i]!, "requirement"), `Requirement(${JSON.stringify(s)})`);
    if ("ok" in got) valid++;
    const want = syntax[i] as { ok?: true; err?: string; span?: number[]; reason?: string };
    if (want.err === "InvalidRequirement") {
      try {
        parseRequirement(s);
        assert.fail(`accepted ${JSON.stringify(s)}`);
      } catch (error) {
        assert.ok(error instanceof InvalidRequirement, String(error));
        assert.deepEqual(
          [error.span, error.reason],
          [want.span, want.reason],
          `error position for ${JSON.stringify(s)}`,
        );
        assert.ok(error.message.includes(JSON.stringify(s).slice(1, -1).slice(0, 10)));
      }
    }
  });
  assert.ok(valid > 2000 && inputs.length - valid > 1000, `valid ${valid} of ${inputs.length}`);
});

test("markers evaluate as packaging does on three environments and several extras", () => {
  const r = rng(1508);
  const cases: [string, number, string | null][] = [];
  for (let i = 0; i < 2500; i++) {
    const m = r() < 0.15 ? corrupt(r, genMarker(r)) : genMarker(r);
    cases.push([m, Math.floor(r() * ENVS.length), pick(r, [null, "", "Te_st", "test", "te.st"])]);
  }
  const expected = askOracle(cases.map(([m, e, x]) => ["marker", m, ENVS[e], x]));
  const tally = new Map<string, number>();
  cases.forEach(([m, e, x], i) => {
    const env = x === null ? ENVS[e]! : { ...ENVS[e]!, extra: x };
    const got = ours(() => ({ str: parseMarker(m).toString(), value: evaluateMarker(m, env) }));
    assert.deepEqual(
      got,
      normalizeErr(expected[i]!, "marker"),
      `Marker(${JSON.stringify(m)}) on env ${e}, extra ${x}`,
    );
    const key = "err" in got ? got.err : String((got.ok as { value: boolean }).value);
    tally.set(key, (tally.get(key) ?? 0) + 1);
  });
  for (const k of ["true", "false", "InvalidMarker", "InvalidVersion", "UndefinedComparison"]) {
    assert.ok((tally.get(k) ?? 0) > 20, `outcome ${k} exercised: ${JSON.stringify([...tally])}`);
  }
});

test("evaluateMarker with extras is true when any extra matches, normalised", () => {
  const env = ENVS[0]!;
  assert.equal(evaluateMarker('extra == "te-st"', env, ["other", "Te_St"]), true);
  assert.equal(evaluateMarker('extra == "te-st"', env, ["other"]), false);
  assert.equal(evaluateMarker('extra == "te-st"', env), false);
  assert.equal(evaluateMarker('python_version >= "3.8" and os_name == "posix"', env, []), true);
});

test("canonicalizeName validates on request with a typed error", () => {
  assert.equal(canonicalizeName("-bad-"), "-bad-");
  assert.throws(
    () => canonicalizeName("-bad-", { validate: true }),
    (e: unknown) => e instanceof InvalidName && e.message === "Invalid project name '-bad-'.",
  );
  assert.equal(canonicalizeName("Good.Name", { validate: true }), "good-name");
});

test("names canonicalise as PEP 503 says", () => {
  const r = rng(503);
  const names = ["Foo.Bar", "foo__bar", "FOO-_-bar", "a", "-a-", "a--b", "ǅungla", "İstanbul", "a.b_c-D", ""];
  for (let i = 0; i < 2000; i++) names.push(genName(r) + (r() < 0.2 ? pick(r, ["-", "..", "Σ", "ß"]) : ""));
  const canon = askOracle(names.map((n) => ["canon", n]));
  const normalized = askOracle(names.map((n) => ["is_normalized", n]));
  names.forEach((n, i) => {
    assert.deepEqual({ ok: canonicalizeName(n) }, canon[i], `canonicalize_name(${JSON.stringify(n)})`);
    assert.deepEqual({ ok: isNormalizedName(n) }, normalized[i], `is_normalized_name(${JSON.stringify(n)})`);
  });
});

test("a dev build's python_full_version ending in '+' compares as a local version", () => {
  // packaging repairs this only for the running interpreter's own environment; our environments
  // always come from an interpreter probe, so we repair it the same way.
  const env = { ...ENVS[2]!, python_full_version: "3.13.0+" };
  assert.equal(evaluateMarker('python_full_version >= "3.13"', env), true);
  assert.equal(evaluateMarker('python_full_version == "3.13.0"', env), true);
});
