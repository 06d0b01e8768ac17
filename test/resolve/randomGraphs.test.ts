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
}

interface Case {
  roots: Req[];
  /** name → version number → requirements */
  graph: Map<string, Map<number, Req[]>>;
}

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
  if (req.op === "range") return `${req.name}>=${req.a}.0,<${req.b}.0`;
  return `${req.name}${req.op}${req.a}.0`;
}

function generate(random: () => number, packages: number, maxVersions: number): Case {
  const pick = (n: number) => Math.floor(random() * n);
  const names = Array.from({ length: packages }, (_, i) => `p${i}`);
  const graph = new Map<string, Map<number, Req[]>>();
  const randomReq = (): Req => {
    const name = names[pick(names.length)]!;
    const ops = [">=", "<", "==", "!=", "range"] as const;
    const op = ops[pick(ops.length)]!;
    const a = 1 + pick(maxVersions);
    return { name, op, a, b: a + 1 + pick(2) };
  };
  for (const name of names) {
    const versions = new Map<number, Req[]>();
    const count = 1 + pick(maxVersions);
    for (let v = 1; v <= count; v++) {
      const deps: Req[] = [];
      const n = pick(4);
      for (let i = 0; i < n; i++) {
        const req = randomReq();
        if (req.name !== name && !deps.some((d) => d.name === req.name)) deps.push(req);
      }
      versions.set(v, deps);
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

/** Complete search: each project's version is chosen where it is first required, trying all. */
function bruteForce(c: Case): Map<string, number> | null {
  const search = (chosen: Map<string, number>, pending: Req[]): Map<string, number> | null => {
    const [req, ...rest] = pending;
    if (req === undefined) return chosen;
    const have = chosen.get(req.name);
    if (have !== undefined) return matches(req, have) ? search(chosen, rest) : null;
    for (const [v, deps] of [...c.graph.get(req.name)!].reverse()) {
      if (!matches(req, v)) continue;
      const found = search(new Map(chosen).set(req.name, v), [...rest, ...deps]);
      if (found !== null) return found;
    }
    return null;
  };
  return search(new Map(), c.roots);
}

function toGraph(c: Case): Graph {
  const graph: Graph = {};
  for (const [name, versions] of c.graph) {
    graph[name] = {};
    for (const [v, deps] of versions) graph[name][`${v}.0`] = deps.map(text);
  }
  return graph;
}

function checkSolution(c: Case, solution: Map<string, number>): void {
  for (const root of c.roots) {
    const v = solution.get(root.name);
    assert.ok(v !== undefined && matches(root, v), `root ${text(root)} not met`);
  }
  for (const [name, v] of solution) {
    for (const dep of c.graph.get(name)!.get(v)!) {
      const have = solution.get(dep.name);
      assert.ok(have !== undefined && matches(dep, have), `${name}==${v} needs ${text(dep)}`);
    }
  }
}

async function crossCheck(
  seed: number,
  packages: number,
  maxVersions: number,
): Promise<"solved" | "unsolvable"> {
  const c = generate(rng(seed), packages, maxVersions);
  const expected = bruteForce(c);
  const context = `seed ${seed}: roots ${c.roots.map(text).join(" ")}\n${JSON.stringify(toGraph(c))}`;
  try {
    const resolution = await resolve(c.roots.map(text), memoryProvider(toGraph(c)), { env: linux311 });
    const solution = new Map(
      [...resolution.packages].map(([name, p]) => [name, Number.parseInt(p.version, 10)]),
    );
    checkSolution(c, solution);
    assert.ok(expected !== null, `resolver found a solution brute force missed (${context})`);
    return "solved";
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    assert.ok(
      error instanceof ResolutionImpossible || error instanceof NoMatchingVersion,
      `${String(error)} (${context})`,
    );
    if (expected !== null)
      assert.fail(
        `resolver failed where brute force found ${JSON.stringify([...expected])}: ${String(error)} (${context})`,
      );
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
