/**
 * Prepared Requires-Dist lines (what a provider may keep across runs) and the marker memo must
 * change nothing but speed: the same resolutions, the same marker answers and errors.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkPrepared,
  prepareRequirements,
  resolve,
  type Candidate,
  type Provider,
  type Resolution,
} from "../../src/resolve/index.ts";
import { MarkerMemo } from "../../src/resolve/markerMemo.ts";
import { evaluateMarker, parseMarker } from "../../src/standards/index.ts";
import { linux311, memoryProvider, windows38, type Graph } from "./memoryIndex.ts";

const graph: Graph = {
  app: {
    "1.0": ["web[speed]>=1", 'winonly; sys_platform == "win32"', "tool[all]"],
  },
  web: {
    "1.0": ["core", 'fast>=1; extra == "speed"', 'colour; extra == "Speed" and python_version >= "3.9"'],
    "2.0": ["core<2", 'fast>=2; extra == "speed"', 'never; extra == "other"'],
  },
  tool: {
    "3.0": ['kit[cli,gui]; extra == "all"', 'old; python_version < "3.9" and extra == "all"', "core"],
  },
  kit: { "1.0": ['click; extra == "cli"', 'qt; extra == "gui" and sys_platform != "linux"'] },
  core: { "1.0": [], "2.0": [] },
  fast: { "1.0": [], "2.0": [] },
  colour: { "1.0": [] },
  winonly: { "1.0": [] },
  never: { "1.0": [] },
  old: { "1.0": [] },
  click: { "8.0": [] },
  qt: { "6.0": [] },
};

/** The same provider, but handing the resolver prepared lines as a cache would. */
function preparing(inner: Provider<Candidate>, through?: (value: unknown) => unknown): Provider<Candidate> {
  return {
    candidates: (name) => inner.candidates(name),
    async dependencies(name, candidate) {
      const md = await inner.dependencies(name, candidate);
      let prepared = prepareRequirements(md.requiresDist);
      // As stored on disk and read back.
      if (through) prepared = checkPrepared(through(JSON.parse(JSON.stringify(prepared))))!;
      return { ...md, prepared };
    },
  };
}

function summary(res: Resolution): unknown {
  return [...res.packages.values()].map((p) => ({
    name: p.name,
    version: p.version,
    extras: p.extras,
    direct: p.direct,
    requestedBy: p.requestedBy,
    dependencies: p.dependencies,
  }));
}

test("prepared lines (fresh or read back from JSON) resolve exactly as raw Requires-Dist does", async () => {
  for (const env of [linux311, windows38]) {
    const plain = await resolve(["app"], memoryProvider(graph), { env });
    const fresh = await resolve(["app"], preparing(memoryProvider(graph)), { env });
    const stored = await resolve(
      ["app"],
      preparing(memoryProvider(graph), (v) => v),
      { env },
    );
    assert.deepEqual(summary(fresh), summary(plain));
    assert.deepEqual(summary(stored), summary(plain));
    assert.deepEqual(stored.order, plain.order);
  }
  const linux = await resolve(["app"], memoryProvider(graph), { env: linux311 });
  // The graph exercises the shortcut (extras compared as text) and markers mixing extras.
  assert.deepEqual(linux.packages.get("web")!.extras, ["speed"]);
  assert.deepEqual([...linux.packages.keys()], ["app", "click", "core", "fast", "kit", "tool", "web"]);
});

test("a prepared line that does not parse makes that version unavailable, as a raw one does", async () => {
  const bad: Graph = {
    app: { "1.0": ["lib"] },
    lib: { "1.0": ["ok"], "2.0": ["ok", "broken ==="] },
    ok: { "1": [] },
  };
  const plain = await resolve(["app"], memoryProvider(bad), { env: linux311 });
  const stored = await resolve(
    ["app"],
    preparing(memoryProvider(bad), (v) => v),
    { env: linux311 },
  );
  assert.equal(plain.packages.get("lib")!.version, "1.0");
  assert.deepEqual(summary(stored), summary(plain));
  // A stored entry whose text was damaged into an unparsable line is refused the same way.
  const damaged = preparing(memoryProvider(bad), (v) => {
    const items = (v as { items: { text: string }[] }).items;
    for (const item of items) if (item.text === "ok") item.text = "ok (((";
    return v;
  });
  await assert.rejects(resolve(["app"], damaged, { env: linux311 }), /invalid requirement 'ok \(\(\('/);
});

test("the marker memo answers (and fails) exactly like evaluateMarker", () => {
  const markers = [
    'extra == "speed"',
    'extra == "Foo_Bar"',
    'extra == "1.0"',
    'extra == "1"',
    '"speed" == extra',
    'extra != "speed"',
    'extra == "speed" or python_version >= "3.9"',
    'python_version < "3.9"',
    'platform_machine ~= "x86"',
    'os_name ~= "posix"',
  ];
  const extras = [undefined, "speed", "foo-bar", "FOO.BAR", "1.0", "1", "", "other"];
  for (const env of [linux311, windows38, { ...linux311, extra: "speed" }]) {
    const memo = new MarkerMemo(env);
    for (const text of markers) {
      const tree = parseMarker(text).tree;
      const prepared = prepareRequirements([`x; ${text}`]).items[0]!;
      for (const m of [memo.intern(tree, prepared.extraOnly), memo.intern(tree, prepared.extraOnly)]) {
        for (const extra of extras) {
          const want = ((): boolean | string => {
            try {
              return evaluateMarker(text, env, extra === undefined ? undefined : [extra]);
            } catch (error) {
              return (error as Error).message;
            }
          })();
          const got = ((): boolean | string => {
            try {
              return memo.evaluate(m, extra);
            } catch (error) {
              return (error as Error).message;
            }
          })();
          assert.equal(got, want, `${text} with extra ${String(extra)}`);
        }
      }
    }
  }
  const shortcut = (text: string) => prepareRequirements([`x; ${text}`]).items[0]!.extraOnly;
  assert.equal(shortcut('extra == "Foo_Bar"'), "foo-bar");
  assert.equal(shortcut('extra == "1.0"'), undefined, "a version-like extra is compared as a version");
  assert.equal(shortcut('"speed" == extra'), undefined);
  assert.equal(shortcut('extra == "a" or extra == "b"'), undefined);
});

test("checkPrepared refuses values that are not prepared lines", () => {
  const good = prepareRequirements(['a>=1; extra == "x"', "b"]);
  assert.deepEqual(checkPrepared(JSON.parse(JSON.stringify(good))), good);
  assert.deepEqual(checkPrepared({ items: [], invalid: "x ===" }), { items: [], invalid: "x ===" });
  for (const bad of [
    null,
    "items",
    { items: "no" },
    { items: [{ text: "a", name: "a" }] },
    { items: [{ text: "a", name: 1, marker: null }] },
    {
      items: [
        {
          text: "a",
          name: "a",
          marker: [
            { lhs: { kind: "variable", value: "extra" }, op: "eq", rhs: { kind: "value", value: "x" } },
          ],
        },
      ],
    },
    { items: [{ text: "a", name: "a", marker: null, extraOnly: "x" }] },
    { items: [], invalid: 3 },
  ]) {
    assert.equal(checkPrepared(bad), undefined, JSON.stringify(bad));
  }
});
