/**
 * Search behaviour: diamonds, conflicts several levels deep, learning (a conflict is not
 * rediscovered once per sibling version), and metadata fetched lazily but prefetched in parallel.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ResolutionImpossible, resolve } from "../../src/resolve/index.ts";
import { linux311, memoryProvider, pins, type Graph } from "./memoryIndex.ts";

const env = { env: linux311 };

test("a diamond meets in the middle of both ranges", async () => {
  const graph: Graph = {
    top: { "1.0": ["left", "right"] },
    left: { "1.0": ["base>=2"] },
    right: { "1.0": ["base<3"] },
    base: { "1.0": [], "2.0": [], "2.5": [], "3.0": [] },
  };
  assert.deepEqual(pins(await resolve(["top"], memoryProvider(graph), env)), [
    "base==2.5",
    "left==1.0",
    "right==1.0",
    "top==1.0",
  ]);
});

test("a conflict four levels down backjumps to the first level", async () => {
  // Every newest x_i needs the newest x_{i+1}; the newest x4 needs a project that does not exist.
  const graph: Graph = {
    x1: { "1.0": ["x2==1.0"], "2.0": ["x2==2.0"] },
    x2: { "1.0": ["x3==1.0"], "2.0": ["x3==2.0"] },
    x3: { "1.0": ["x4==1.0"], "2.0": ["x4==2.0"] },
    x4: { "1.0": [], "2.0": ["missing"] },
  };
  const resolution = await resolve(["x1"], memoryProvider(graph), env);
  assert.deepEqual(pins(resolution), ["x1==1.0", "x2==1.0", "x3==1.0", "x4==1.0"]);
});

test("a learned incompatibility is not rediscovered for every sibling version", async () => {
  // Versions 2..30 of `wide` need `mid`, which conflicts with the root only through `deep`. The
  // conflict is resolved once; each further version of `wide` is then rejected by propagation.
  const wide: Record<string, string[]> = { "1.0": [] };
  for (let i = 2; i <= 30; i++) wide[`${i}.0`] = ["mid"];
  const graph: Graph = {
    wide,
    mid: { "1.0": ["deep>=2"] },
    deep: { "1.0": [], "2.0": [] },
  };
  const provider = memoryProvider(graph);
  const resolution = await resolve(["wide", "deep<2"], provider, env);
  assert.deepEqual(pins(resolution), ["deep==1.0", "wide==1.0"]);
  assert.ok(resolution.stats.conflicts <= 2, `${resolution.stats.conflicts} conflicts`);
  assert.equal(provider.metadataCalls.filter((c) => c.startsWith("mid==")).length, 1);
  const error = await resolve(["wide>=2", "deep<2"], memoryProvider(graph), env).catch((e: unknown) => e);
  assert.ok(error instanceof ResolutionImpossible, String(error));
  assert.match(error.explanation, /mid==1\.0 depends on deep>=2/);
  assert.match(error.explanation, /wide>=2\.0 depends on mid/);
});

test("backtracking over a shared dependency picks an older version of the first choice", async () => {
  const graph: Graph = {
    app: { "1.0": ["http", "auth"] },
    http: { "1.0": ["tls<2"], "2.0": ["tls>=2"], "3.0": ["tls>=3"] },
    auth: { "1.0": ["tls<2"], "2.0": ["tls<3"] },
    tls: { "1.0": [], "2.0": [], "3.0": [] },
  };
  assert.deepEqual(pins(await resolve(["app"], memoryProvider(graph), env)), [
    "app==1.0",
    "auth==2.0",
    "http==2.0",
    "tls==2.0",
  ]);
});

test("metadata is fetched lazily, once per version, and prefetched in parallel within the bound", async () => {
  const graph: Graph = { root: { "1.0": [] } };
  const fanout: string[] = [];
  for (let i = 0; i < 20; i++) {
    graph[`p${i}`] = { "1.0": [`q${i}`], "0.9": [] };
    graph[`q${i}`] = { "1.0": [] };
    fanout.push(`p${i}`);
  }
  graph.root = { "1.0": fanout };
  const provider = memoryProvider(graph, { delayMs: 3 });
  const resolution = await resolve(["root"], provider, { ...env, prefetchConcurrency: 3 });
  assert.equal(resolution.packages.size, 41);
  assert.equal(
    new Set(provider.metadataCalls).size,
    provider.metadataCalls.length,
    "a version was fetched twice",
  );
  assert.ok(!provider.metadataCalls.some((c) => c.endsWith("==0.9")), "an unneeded version was fetched");
  assert.ok(provider.maxInFlight >= 2, "nothing was prefetched");
  assert.ok(provider.maxInFlight <= 4, `too many fetches at once: ${provider.maxInFlight}`);
  assert.equal(
    new Set(provider.candidateCalls).size,
    provider.candidateCalls.length,
    "a project was listed twice",
  );
});
