/**
 * The worked examples of the PubGrub write-up (dart-lang/pub doc/solver.md), in PEP 440 clothing:
 * `^1.0.0` becomes `>=1.0,<2.0`. Each checks the solution or the explanation the reporter gives.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ResolutionImpossible, resolve } from "../../src/resolve/index.ts";
import { linux311, memoryProvider, pins, type Graph } from "./memoryIndex.ts";

const env = { env: linux311 };

async function failure(roots: string[], graph: Graph): Promise<string> {
  try {
    await resolve(roots, memoryProvider(graph), env);
  } catch (error) {
    assert.ok(error instanceof ResolutionImpossible, String(error));
    assert.equal(error.exitCode, 1);
    return error.explanation;
  }
  assert.fail("expected no solution");
}

test("no conflicts: picks the newest versions that fit", async () => {
  const graph: Graph = { foo: { "1.0.0": ["bar>=1.0,<2.0"] }, bar: { "1.0.0": [], "2.0.0": [] } };
  assert.deepEqual(pins(await resolve(["foo>=1.0,<2.0"], memoryProvider(graph), env)), [
    "bar==1.0.0",
    "foo==1.0.0",
  ]);
});

test("avoiding conflict during decision making: skips foo 1.1 without backtracking", async () => {
  const graph: Graph = {
    foo: { "1.0.0": [], "1.1.0": ["bar>=2.0,<3.0"] },
    bar: { "1.0.0": [], "1.1.0": [], "2.0.0": [] },
  };
  const resolution = await resolve(["foo>=1.0,<2.0", "bar>=1.0,<2.0"], memoryProvider(graph), env);
  assert.deepEqual(pins(resolution), ["bar==1.1.0", "foo==1.0.0"]);
  assert.equal(resolution.stats.conflicts, 0);
});

test("performing conflict resolution: learns that foo 2.0 can never work", async () => {
  const graph: Graph = {
    foo: { "1.0.0": [], "2.0.0": ["bar>=1.0,<2.0"] },
    bar: { "1.0.0": ["foo>=1.0,<2.0"] },
  };
  const resolution = await resolve(["foo>=1.0"], memoryProvider(graph), env);
  assert.deepEqual(pins(resolution), ["foo==1.0.0"]);
  assert.ok(resolution.stats.conflicts >= 1);
});

test("conflict resolution with a partial satisfier: backjumps past left and right", async () => {
  const graph: Graph = {
    foo: { "1.0.0": [], "1.1.0": ["left>=1.0,<2.0", "right>=1.0,<2.0"] },
    left: { "1.0.0": ["shared>=1.0"] },
    right: { "1.0.0": ["shared<2.0"] },
    shared: { "1.0.0": ["target>=1.0,<2.0"], "2.0.0": [] },
    target: { "1.0.0": [], "2.0.0": [] },
  };
  const resolution = await resolve(["foo>=1.0,<2.0", "target>=2.0,<3.0"], memoryProvider(graph), env);
  assert.deepEqual(pins(resolution), ["foo==1.0.0", "target==2.0.0"]);
});

test("linear error reporting", async () => {
  const graph: Graph = {
    foo: { "1.0.0": ["bar>=2.0,<3.0"] },
    bar: { "2.0.0": ["baz>=3.0,<4.0"] },
    baz: { "1.0.0": [], "3.0.0": [] },
  };
  assert.equal(
    await failure(["foo>=1.0,<2.0", "baz>=1.0,<2.0"], graph),
    [
      "Because foo==1.0.0 depends on bar>=2.0,<3.0 and bar==2.0.0 depends on baz>=3.0,<4.0, foo==1.0.0 depends on baz>=3.0,<4.0.",
      "And because you require foo>=1.0,<2.0 and baz>=1.0,<2.0, your requirements are unsatisfiable.",
    ].join("\n"),
  );
});

test("branching error reporting numbers the line it refers back to", async () => {
  const graph: Graph = {
    foo: { "1.0.0": ["a>=1.0,<2.0", "b>=1.0,<2.0"], "1.1.0": ["x>=1.0,<2.0", "y>=1.0,<2.0"] },
    a: { "1.0.0": ["b>=2.0,<3.0"] },
    b: { "1.0.0": [], "2.0.0": [] },
    x: { "1.0.0": ["y>=2.0,<3.0"] },
    y: { "1.0.0": [], "2.0.0": [] },
  };
  assert.equal(
    await failure(["foo>=1.0,<2.0"], graph),
    [
      "    Because foo==1.0.0 depends on a>=1.0,<2.0 and a==1.0.0 depends on b>=2.0,<3.0, foo==1.0.0 depends on b>=2.0,<3.0.",
      "(1) And because foo==1.0.0 depends on b>=1.0,<2.0, foo==1.0.0 cannot be used.",
      "",
      "    Because foo==1.1.0 depends on x>=1.0,<2.0 and x==1.0.0 depends on y>=2.0,<3.0, foo==1.1.0 depends on y>=2.0,<3.0.",
      "    And because foo==1.1.0 depends on y>=1.0,<2.0, foo==1.1.0 cannot be used.",
      "    And because foo==1.0.0 cannot be used (1), no version of foo can be used.",
      "    And because you require foo>=1.0,<2.0, your requirements are unsatisfiable.",
    ].join("\n"),
  );
});

test("the two-requirement conflict reads as one sentence", async () => {
  const graph: Graph = {
    a: { "1.0": ["b>=2"] },
    c: { "1.0": ["b<2"] },
    b: { "1.0": [], "2.0": [] },
  };
  assert.equal(
    await failure(["a==1.0", "c==1.0"], graph),
    [
      "Because a==1.0 depends on b>=2 and c==1.0 depends on b<2, a==1.0 and c==1.0 cannot be installed together.",
      "And because you require a==1.0 and c==1.0, your requirements are unsatisfiable.",
    ].join("\n"),
  );
});
