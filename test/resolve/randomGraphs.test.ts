/**
 * Random dependency graphs cross-checked against a brute-force solver that knows nothing of
 * PubGrub or PEP 440 (versions are whole numbers, specifiers are compared by hand). Every solution
 * the resolver returns must satisfy every requirement; whenever brute force finds a solution, the
 * resolver must find one too; when it fails, the explanation must reach the conclusion.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { NoMatchingVersion, ResolutionImpossible, resolve } from "../../src/resolve/index.ts";
import { linux311, memoryProvider, type Graph } from "./memoryIndex.ts";

/** mulberry32: small, seedable, good enough to spread test cases. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Req {
  name: string;
  op: ">=" | "<" | "==" | "!=" | "range";
  a: number;
  b: number;
  extras: string[];
}

interface Release {
  deps: Req[];
  /** Requirements that only apply with an extra (`; extra == "e1"`). */
  extraDeps: Map<string, Req[]>;
}

interface Case {
  roots: Req[];
  graph: Map<string, Map<number, Release>>;
}

const EXTRAS = ["e1", "e2"];

function matches(req: Req, v: number): boolean {
  switch (req.op) {
    case ">=":
      return v >= req.a;
    case "<":
      return v < req.a;
    case "==":
      return v === req.a;
    case "!=":
      return v !== req.a;
    case "range":
      return v >= req.a && v < req.b;
  }
}

function text(req: Req): string {
  const name = req.extras.length > 0 ? `${req.name}[${req.extras.join(",")}]` : req.name;
  if (req.op === "range") return `${name}>=${req.a}.0,<${req.b}.0`;
  return `${name}${req.op}${req.a}.0`;
}

function generate(random: () => number, packages: number, maxVersions: number, extraRate: number): Case {
  const pick = (n: number) => Math.floor(random() * n);
  const names = Array.from({ length: packages }, (_, i) => `p${i}`);
  const graph = new Map<string, Map<number, Release>>();
  const randomReq = (): Req => {
    const name = names[pick(names.length)]!;
    const ops = [">=", "<", "==", "!=", "range"] as const;
    const op = ops[pick(ops.length)]!;
    const a = 1 + pick(maxVersions);
    const extras = random() < extraRate ? EXTRAS.filter(() => random() < 0.6) : [];
    return { name, op, a, b: a + 1 + pick(2), extras };
  };
  const randomDeps = (self: string, max: number): Req[] => {
    const deps: Req[] = [];
    for (let i = 0, n = pick(max + 1); i < n; i++) {
      const req = randomReq();
      if (req.name !== self && !deps.some((d) => d.name === req.name)) deps.push(req);
    }
    return deps;
  };
  for (const name of names) {
    const versions = new Map<number, Release>();
    const count = 1 + pick(maxVersions);
    for (let v = 1; v <= count; v++) {
      const extraDeps = new Map<string, Req[]>();
      if (extraRate > 0) for (const extra of EXTRAS) extraDeps.set(extra, randomDeps(name, 2));
      versions.set(v, { deps: randomDeps(name, 3), extraDeps });
    }
    graph.set(name, versions);
  }
  const roots: Req[] = [];
  for (let i = 0, n = 1 + pick(3); i < n; i++) {
    const req = randomReq();
    if (!roots.some((r) => r.name === req.name)) roots.push(req);
  }
  return { roots, graph };
}

interface Selection {
  versions: Map<string, number>;
  extras: Map<string, Set<string>>;
}

/**
 * Complete search: each project's version is chosen where it is first required, trying every
 * version; extras switch on their requirements once the version is known.
 */
function bruteForce(c: Case): Selection | null {
  const search = (chosen: Selection, pending: Req[]): Selection | null => {
    const [req, ...rest] = pending;
    if (req === undefined) return chosen;
    const have = chosen.versions.get(req.name);
    const activate = (next: Selection, v: number, queue: Req[]): Req[] => {
      const on = new Set(next.extras.get(req.name) ?? []);
      for (const extra of req.extras) {
        if (on.has(extra)) continue;
        on.add(extra);
        queue = [...queue, ...(c.graph.get(req.name)!.get(v)!.extraDeps.get(extra) ?? [])];
      }
      next.extras.set(req.name, on);
      return queue;
    };
    if (have !== undefined) {
      if (!matches(req, have)) return null;
      const next = { versions: chosen.versions, extras: new Map(chosen.extras) };
      return search(next, activate(next, have, rest));
    }
    for (const [v, release] of [...c.graph.get(req.name)!].reverse()) {
      if (!matches(req, v)) continue;
      const next = { versions: new Map(chosen.versions).set(req.name, v), extras: new Map(chosen.extras) };
      const found = search(next, activate(next, v, [...rest, ...release.deps]));
      if (found !== null) return found;
    }
    return null;
  };
  return search({ versions: new Map(), extras: new Map() }, c.roots);
}

function toGraph(c: Case): Graph {
  const graph: Graph = {};
  for (const [name, versions] of c.graph) {
    graph[name] = {};
    for (const [v, release] of versions) {
      const lines = release.deps.map(text);
      for (const [extra, deps] of release.extraDeps)
        lines.push(...deps.map((d) => `${text(d)}; extra == "${extra}"`));
      graph[name][`${v}.0`] = lines;
    }
  }
  return graph;
}

/** Every requirement that applies to the selection is met, extras included. */
function checkSolution(c: Case, solution: Selection): void {
  const check = (req: Req, why: string) => {
    const v = solution.versions.get(req.name);
    assert.ok(v !== undefined && matches(req, v), `${why} needs ${text(req)}`);
    const on = solution.extras.get(req.name) ?? new Set();
    for (const extra of req.extras) assert.ok(on.has(extra), `${why} needs extra ${extra} of ${req.name}`);
  };
  for (const root of c.roots) check(root, "the root");
  for (const [name, v] of solution.versions) {
    const release = c.graph.get(name)!.get(v)!;
    for (const dep of release.deps) check(dep, `${name}==${v}`);
    for (const extra of solution.extras.get(name) ?? []) {
      for (const dep of release.extraDeps.get(extra) ?? []) check(dep, `${name}[${extra}]==${v}`);
    }
  }
}

async function crossCheck(
  seed: number,
  packages: number,
  maxVersions: number,
  extraRate = 0,
): Promise<"solved" | "unsolvable"> {
  const c = generate(rng(seed), packages, maxVersions, extraRate);
  const expected = bruteForce(c);
  const context = `seed ${seed}: roots ${c.roots.map(text).join(" ")}\n${JSON.stringify(toGraph(c))}`;
  try {
    const resolution = await resolve(c.roots.map(text), memoryProvider(toGraph(c)), { env: linux311 });
    const solution: Selection = { versions: new Map(), extras: new Map() };
    for (const [name, p] of resolution.packages) {
      solution.versions.set(name, Number.parseInt(p.version, 10));
      solution.extras.set(name, new Set(p.extras));
    }
    checkSolution(c, solution);
    assert.ok(expected !== null, `resolver found a solution brute force missed (${context})`);
    return "solved";
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    assert.ok(
      error instanceof ResolutionImpossible || error instanceof NoMatchingVersion,
      `${String(error)} (${context})`,
    );
    if (expected !== null) {
      assert.fail(
        `resolver failed where brute force found ${JSON.stringify([...expected.versions])}: ${String(error)} (${context})`,
      );
    }
    if (error instanceof ResolutionImpossible)
      assert.match(error.explanation, /your requirements are unsatisfiable\.$/);
    return "unsolvable";
  }
}

test("small random graphs agree with brute force", async () => {
  const outcomes = { solved: 0, unsolvable: 0 };
  for (let seed = 1; seed <= 600; seed++) outcomes[await crossCheck(seed, 6, 4)]++;
  // The generator must exercise both sides, or the test proves little.
  assert.ok(outcomes.solved > 100 && outcomes.unsolvable > 50, JSON.stringify(outcomes));
});

test("larger random graphs agree with brute force", async () => {
  const outcomes = { solved: 0, unsolvable: 0 };
  for (let seed = 1001; seed <= 2000; seed++) outcomes[await crossCheck(seed, 14, 6)]++;
  assert.ok(outcomes.solved > 20 && outcomes.unsolvable > 10, JSON.stringify(outcomes));
});

test("wide random graphs agree with brute force", async () => {
  const outcomes = { solved: 0, unsolvable: 0 };
  for (let seed = 5001; seed <= 5300; seed++) outcomes[await crossCheck(seed, 30, 8)]++;
  assert.ok(outcomes.solved > 20 && outcomes.unsolvable > 10, JSON.stringify(outcomes));
});

test("random graphs with extras agree with brute force", async () => {
  const outcomes = { solved: 0, unsolvable: 0 };
  for (let seed = 9001; seed <= 9600; seed++) outcomes[await crossCheck(seed, 8, 4, 0.3)]++;
  assert.ok(outcomes.solved > 50 && outcomes.unsolvable > 50, JSON.stringify(outcomes));
});
