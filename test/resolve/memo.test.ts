/**
 * Memoised resolutions (src/resolve/memo.ts): a replay must equal a fresh solve, and any change
 * to what the solve depended on (a candidate list, a candidate's metadata identity, an input) must
 * solve again.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  resolve,
  type Candidate,
  type Resolution,
  type ResolutionMemo,
  type ResolveOptions,
} from "../../src/resolve/index.ts";
import { linux311, memoryProvider, windows38, type Graph, type MemoryProvider } from "./memoryIndex.ts";

function graph(): Graph {
  return {
    app: { "1.0": ["web[speed]>=1", 'winonly; sys_platform == "win32"', "core"] },
    web: {
      "1.0": ["core", 'fast>=1; extra == "speed"'],
      "2.0": ["core<2", 'fast>=2; extra == "speed"'],
    },
    core: { "1.0": [], "2.0": [] },
    fast: { "1.0": [], "2.0": [], "3.0b1": [] },
    winonly: { "1.0": [] },
  };
}

/** A memory provider whose candidates have an identity, as wheels with a sha256 do. */
function withIdentity(
  g: Graph,
  identity: (name: string, c: Candidate) => string | undefined = (name, c) => `${name}-${c.version}`,
) {
  const inner = memoryProvider(g);
  const provider: MemoryProvider & { identity(c: Candidate): string | undefined } = Object.assign(inner, {
    identity: (c: Candidate) => identity((c as Candidate & { name?: string }).name ?? "", c),
  });
  const candidates = inner.candidates.bind(inner);
  provider.candidates = async (name) => (await candidates(name)).map((c) => ({ ...c, name }));
  return provider;
}

function memoryMemo(context = "ctx"): ResolutionMemo & { entries: Map<string, unknown> } {
  const entries = new Map<string, unknown>();
  return {
    entries,
    context,
    store: { get: (k) => entries.get(k), put: (k, v) => void entries.set(k, v) },
  };
}

function summary(res: Resolution): unknown {
  return {
    order: res.order,
    packages: [...res.packages.values()].map((p) => ({ ...p, candidate: { ...p.candidate } })),
  };
}

const opts = (memo: ResolutionMemo, more: Partial<ResolveOptions> = {}): ResolveOptions => ({
  env: linux311,
  memo,
  ...more,
});

test("a replay equals the fresh solve and reads no metadata", async () => {
  const memo = memoryMemo();
  const plain = await resolve(["app"], withIdentity(graph()), { env: linux311 });
  const first = withIdentity(graph());
  const solved = await resolve(["app"], first, opts(memo));
  assert.ok(first.metadataCalls.length > 0);
  assert.equal(memo.entries.size, 1);
  const second = withIdentity(graph());
  const replayed = await resolve(["app"], second, opts(memo));
  assert.deepEqual(second.metadataCalls, [], "nothing was solved again");
  assert.ok(second.candidateCalls.includes("web") && second.candidateCalls.includes("fast"));
  assert.deepStrictEqual(summary(replayed), summary(solved));
  assert.deepStrictEqual(summary(replayed), summary(plain));
  assert.equal(replayed.packages.get("web")!.version, "2.0");
});

test("a changed candidate list or metadata identity solves again, and gets the new answer", async () => {
  const memo = memoryMemo();
  await resolve(["app"], withIdentity(graph()), opts(memo));
  // A new release of a consulted project (what a changed index page gives).
  const newer = graph();
  newer.fast!["4.0"] = [];
  const p1 = withIdentity(newer);
  const r1 = await resolve(["app"], p1, opts(memo));
  assert.ok(p1.metadataCalls.length > 0);
  assert.equal(r1.packages.get("fast")!.version, "4.0");
  // The same versions, but one file was replaced (another sha256): its metadata may differ.
  const replaced = graph();
  replaced.web!["2.0"] = ["core<2", 'fast>=2; extra == "speed"', "extra-dep"];
  replaced["extra-dep"] = { "1.0": [] };
  await resolve(["app"], withIdentity(graph()), opts(memo));
  const p2 = withIdentity(replaced, (name, c) =>
    name === "web" ? `${name}-${c.version}-rebuilt` : `${name}-${c.version}`,
  );
  const r2 = await resolve(["app"], p2, opts(memo));
  assert.ok(p2.metadataCalls.length > 0);
  assert.ok(r2.packages.has("extra-dep"));
  // A yanked flag is part of the list too.
  const yanked = graph();
  yanked.web!["2.0"] = { requires: ["core<2", 'fast>=2; extra == "speed"'], yanked: true };
  const p3 = withIdentity(yanked);
  const r3 = await resolve(["app"], p3, opts(memo));
  assert.equal(r3.packages.get("web")!.version, "1.0");
});

test("every input is in the key: roots, constraints, environment, pre-releases, preferences, context", async () => {
  const memo = memoryMemo();
  await resolve(["app"], withIdentity(graph()), opts(memo));
  const variants: [string[], Partial<ResolveOptions>, ResolutionMemo][] = [
    [["app", "fast<2"], {}, memo],
    [["app"], { constraints: ["core<2"] }, memo],
    [["app"], { env: windows38 }, memo],
    [["app"], { pre: true }, memo],
    [["app"], { installed: new Map([["web", "1.0"]]) }, memo],
    [["app"], { prefer: new Map([["core", "1.0"]]) }, memo],
    [["app"], { pythonVersion: "3.8.0" }, memo],
    [["app"], {}, { ...memo, context: "other index settings" }],
  ];
  for (const [roots, more, m] of variants) {
    const fresh = await resolve(roots, withIdentity(graph()), { env: linux311, ...more });
    const p = withIdentity(graph());
    const memoised = await resolve(roots, p, opts(m, more));
    assert.ok(p.metadataCalls.length > 0, `a miss: ${JSON.stringify([roots, more])}`);
    assert.deepStrictEqual(summary(memoised), summary(fresh), JSON.stringify([roots, more]));
  }
  assert.equal(memo.entries.size, variants.length + 1, "each variant got its own entry");
});

test("nothing is stored without identities, for metadata without one, or for a failure", async () => {
  const memo = memoryMemo();
  await resolve(["app"], memoryProvider(graph()), opts(memo));
  assert.equal(memo.entries.size, 0, "a provider without identity()");
  await resolve(
    ["app"],
    withIdentity(graph(), (name, c) => (name === "core" ? undefined : `${name}-${c.version}`)),
    opts(memo),
  );
  assert.equal(memo.entries.size, 0, "core's metadata has no identity");
  await assert.rejects(resolve(["app", "core>9"], withIdentity(graph()), opts(memo)));
  assert.equal(memo.entries.size, 0, "a failure");
});

test("damaged or foreign entries are ignored", async () => {
  const memo = memoryMemo();
  const expected = summary(await resolve(["app"], withIdentity(graph()), opts(memo)));
  const [key, good] = [...memo.entries][0]!;
  const damaged: unknown[] = [
    undefined,
    null,
    "text",
    { ...(good as object), key: "another key" },
    {
      ...(good as object),
      packages: [{ name: "web", raw: 99, extras: [], direct: true, requestedBy: [], dependencies: [] }],
    },
    { ...(good as object), consulted: [["web", "0"]] },
    { ...(good as object), order: ["app"] },
    { ...(good as object), decisions: "many" },
  ];
  for (const value of damaged) {
    memo.entries.set(key, value);
    const p = withIdentity(graph());
    assert.deepStrictEqual(summary(await resolve(["app"], p, opts(memo))), expected);
    assert.ok(p.metadataCalls.length > 0, JSON.stringify(value));
  }
});
