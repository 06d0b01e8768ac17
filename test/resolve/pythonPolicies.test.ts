/**
 * Python-specific behaviour on top of PubGrub: extras as virtual packages, markers for the target
 * interpreter, Requires-Python, PEP 592 yanked files, pip's pre-release policy, constraints,
 * direct URL candidates and the preference for what is installed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  NoMatchingVersion,
  PackageNotFound,
  ResolutionImpossible,
  resolve,
} from "../../src/resolve/index.ts";
import type { ResolveOptions } from "../../src/resolve/index.ts";
import { linux311, memoryProvider, pins, windows38, type Graph } from "./memoryIndex.ts";

const base: ResolveOptions = { env: linux311 };

async function explain(roots: string[], graph: Graph, options: ResolveOptions = base): Promise<string> {
  const error = await resolve(roots, memoryProvider(graph), options).then(
    () => assert.fail("expected no solution"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ResolutionImpossible, String(error));
  return error.explanation;
}

test("extras pull in their own requirements, at the same version as the base", async () => {
  const graph: Graph = {
    web: {
      "1.0": ["core", 'fast>=1; extra == "speed"'],
      "2.0": ["core", 'fast>=2; extra == "speed"'],
    },
    core: { "1.0": [] },
    fast: { "1.0": [], "2.0": [] },
  };
  assert.deepEqual(pins(await resolve(["web"], memoryProvider(graph), base)), ["core==1.0", "web==2.0"]);
  const withExtra = await resolve(["web[speed]<2"], memoryProvider(graph), base);
  assert.deepEqual(pins(withExtra), ["core==1.0", "fast==2.0", "web==1.0"]);
  assert.deepEqual(withExtra.packages.get("web")!.extras, ["speed"]);
  assert.deepEqual(withExtra.packages.get("fast")!.requestedBy, ["web"]);
});

test("an extra and a plain requirement of the same project cannot pick different versions", async () => {
  const graph: Graph = {
    web: { "1.0": ['fast; extra == "speed"'], "2.0": ['fast>=9; extra == "speed"'] },
    fast: { "1.0": [] },
    app: { "1.0": ["web[speed]"] },
  };
  // web 2.0's extra cannot be met, so the extra forces web 1.0 for everyone.
  assert.deepEqual(pins(await resolve(["app", "web"], memoryProvider(graph), base)), [
    "app==1.0",
    "fast==1.0",
    "web==1.0",
  ]);
});

test("extras of extras, and markers inside an extra, follow the target environment", async () => {
  const graph: Graph = {
    kit: {
      "1.0": [
        'kit[cli,gui]; extra == "all"',
        'click; extra == "cli"',
        'qt; extra == "gui" and sys_platform == "linux"',
        'winui; extra == "gui" and sys_platform == "win32"',
      ],
    },
    click: { "8.0": [] },
    qt: { "6.0": [] },
    winui: { "1.0": [] },
  };
  assert.deepEqual(pins(await resolve(["kit[all]"], memoryProvider(graph), base)), [
    "click==8.0",
    "kit==1.0",
    "qt==6.0",
  ]);
  const onWindows = await resolve(["kit[all]"], memoryProvider(graph), { env: windows38 });
  assert.deepEqual(pins(onWindows), ["click==8.0", "kit==1.0", "winui==1.0"]);
  assert.deepEqual(onWindows.packages.get("kit")!.extras, ["all", "cli", "gui"]);
});

test("markers are evaluated for the target interpreter, on roots and on dependencies", async () => {
  const graph: Graph = {
    app: { "1.0": ['backport; python_version < "3.9"', 'pywin32; os_name == "nt"', "core"] },
    backport: { "1.0": [] },
    pywin32: { "306": [] },
    core: { "1.0": [] },
    tomli: { "2.0": [] },
  };
  const roots = ["app", 'tomli; python_version < "3.11"'];
  assert.deepEqual(pins(await resolve(roots, memoryProvider(graph), base)), ["app==1.0", "core==1.0"]);
  assert.deepEqual(pins(await resolve(roots, memoryProvider(graph), { env: windows38 })), [
    "app==1.0",
    "backport==1.0",
    "core==1.0",
    "pywin32==306",
    "tomli==2.0",
  ]);
});

test("versions whose Requires-Python excludes the target are skipped, and the report says why", async () => {
  const graph: Graph = {
    lib: {
      "1.0": { requiresPython: ">=3.7" },
      "2.0": { requiresPython: ">=3.12" },
      "3.0": { fileRequiresPython: ">=3.12" },
    },
  };
  assert.deepEqual(pins(await resolve(["lib"], memoryProvider(graph), base)), ["lib==1.0"]);
  const text = await explain(["lib>=2"], graph);
  assert.match(
    text,
    /^Because lib==3\.0 and lib==2\.0 require Python >=3\.12 \(the target is 3\.11\.7\), lib>=2\.0 cannot be used\.$/m,
  );
  // The option overrides the environment's own version.
  assert.deepEqual(
    pins(await resolve(["lib"], memoryProvider(graph), { ...base, pythonVersion: "3.12.1" })),
    ["lib==3.0"],
  );
});

test("yanked versions are used only when pinned exactly", async () => {
  const graph: Graph = {
    lib: { "1.0": [], "2.0": { yanked: true } },
    app: { "1.0": ["lib>=1.5"] },
    pinner: { "1.0": ["lib==2.0"] },
  };
  assert.deepEqual(pins(await resolve(["lib"], memoryProvider(graph), base)), ["lib==1.0"]);
  assert.deepEqual(pins(await resolve(["lib==2.0"], memoryProvider(graph), base)), ["lib==2.0"]);
  assert.deepEqual(pins(await resolve(["lib===2.0"], memoryProvider(graph), base)), ["lib==2.0"]);
  assert.deepEqual(pins(await resolve(["pinner"], memoryProvider(graph), base)), ["lib==2.0", "pinner==1.0"]);
  // A user's exact pin lets other requirements accept the yanked release too.
  assert.deepEqual(pins(await resolve(["app", "lib==2.0"], memoryProvider(graph), base)), [
    "app==1.0",
    "lib==2.0",
  ]);
  const error = await resolve(["lib>=1.5"], memoryProvider(graph), base).catch((e: unknown) => e);
  assert.ok(error instanceof NoMatchingVersion, String(error));
  assert.match(error.message, /2\.0 is yanked/);
  assert.match(
    await explain(["app"], graph),
    /app==1\.0 depends on lib>=1\.5, but no version of lib matches it \(the newest is 1\.0\)/,
  );
});

test("pre-releases follow pip: only when asked for, or when nothing final matches", async () => {
  const graph: Graph = {
    lib: { "1.0": [], "2.0b1": [] },
    beta: { "0.1a1": [], "0.1a2": [] },
    app: { "1.0": ["lib>=1.5"] },
  };
  assert.deepEqual(pins(await resolve(["lib"], memoryProvider(graph), base)), ["lib==1.0"]);
  assert.deepEqual(pins(await resolve(["lib>=2.0b1"], memoryProvider(graph), base)), ["lib==2.0b1"]);
  assert.deepEqual(pins(await resolve(["lib"], memoryProvider(graph), { ...base, pre: true })), [
    "lib==2.0b1",
  ]);
  assert.deepEqual(pins(await resolve(["beta"], memoryProvider(graph), base)), ["beta==0.1a2"]);
  assert.deepEqual(pins(await resolve(["app"], memoryProvider(graph), base)), ["app==1.0", "lib==2.0b1"]);
  // A root requirement only a pre-release can meet opens that project's pre-releases to every
  // other requirement too (pip merges specifiers per project).
  const loose: Graph = { ...graph, user: { "1.0": ["lib"] } };
  assert.deepEqual(pins(await resolve(["user", "lib>=1.5"], memoryProvider(loose), base)), [
    "lib==2.0b1",
    "user==1.0",
  ]);
  assert.deepEqual(pins(await resolve(["user", "lib>=2.0b1"], memoryProvider(loose), base)), [
    "lib==2.0b1",
    "user==1.0",
  ]);
  // Without that, a plain requirement keeps to final releases even beside one that needs a beta.
  const needsBeta: Graph = { ...graph, user: { "1.0": ["lib", "app"] } };
  const error = await resolve(["user"], memoryProvider(needsBeta), base).catch((e: unknown) => e);
  assert.ok(error instanceof ResolutionImpossible, String(error));
  assert.match(error.hint ?? "", /--pre/);
});

test("constraints restrict versions but never add packages", async () => {
  const graph: Graph = {
    app: { "1.0": ["lib"] },
    lib: { "1.0": [], "2.0": [] },
    other: { "1.0": [] },
  };
  const constrained = await resolve(["app"], memoryProvider(graph), {
    ...base,
    constraints: ["lib<2", "other==1.0"],
  });
  assert.deepEqual(pins(constrained), ["app==1.0", "lib==1.0"]);
  const text = await explain(["app", "lib>=2"], graph, { ...base, constraints: ["lib<2"] });
  assert.match(text, /your constraints require lib<2/);
  // A constraint whose marker is false for the target is ignored.
  const ignored = await resolve(["app"], memoryProvider(graph), {
    ...base,
    constraints: ['lib<2; sys_platform == "win32"'],
  });
  assert.deepEqual(pins(ignored), ["app==1.0", "lib==2.0"]);
});

test("installed versions are kept while they satisfy, so an install changes as little as possible", async () => {
  const graph: Graph = {
    app: { "1.0": ["lib>=1"], "2.0": ["lib>=2"] },
    lib: { "1.0": [], "2.0": [], "3.0": [] },
  };
  const installed = new Map([["lib", "1.0"]]);
  assert.deepEqual(pins(await resolve(["app<2"], memoryProvider(graph), { ...base, installed })), [
    "app==1.0",
    "lib==1.0",
  ]);
  assert.deepEqual(pins(await resolve(["app"], memoryProvider(graph), { ...base, installed })), [
    "app==2.0",
    "lib==3.0",
  ]);
  const prefer = new Map([["lib", "2.0"]]);
  assert.deepEqual(pins(await resolve(["app<2"], memoryProvider(graph), { ...base, installed, prefer })), [
    "app==1.0",
    "lib==2.0",
  ]);
  const flagged: Graph = { ...graph, lib: { "1.0": [], "2.0": { installed: true }, "3.0": [] } };
  assert.deepEqual(pins(await resolve(["app<2"], memoryProvider(flagged), base)), ["app==1.0", "lib==2.0"]);
});

test("a direct URL requirement uses the caller's candidate, which also satisfies index requirements", async () => {
  const url = "file:///wheels/lib-1.5-py3-none-any.whl";
  const graph: Graph = {
    lib: { "1.0": [], "2.0": [], "1.5": { url, requires: ["core"] } },
    core: { "1.0": [] },
    app: { "1.0": ["lib>=1.2"] },
  };
  const resolution = await resolve([`lib @ ${url}`, "app"], memoryProvider(graph), base);
  assert.deepEqual(pins(resolution), ["app==1.0", "core==1.0", "lib==1.5"]);
  assert.equal(resolution.packages.get("lib")!.candidate.url, url);
  // Without the URL requirement the URL candidate is still a plain candidate of its version.
  assert.deepEqual(pins(await resolve(["lib"], memoryProvider(graph), base)), ["lib==2.0"]);
});

test("unknown projects and unmatched versions get their own errors, with the nearest versions", async () => {
  const graph: Graph = {
    lib: { "1.0": [], "1.1": [], "1.2": [], "2.0": [], "2.1": [], "3.0": [], "3.1": [] },
    app: { "1.0": ["nosuch>=1"], "0.9": [] },
  };
  const unknown = await resolve(["nosuch"], memoryProvider(graph), base).catch((e: unknown) => e);
  assert.ok(unknown instanceof PackageNotFound);
  assert.match(unknown.message, /'nosuch'/);
  const missing = await resolve(["lib==2.5"], memoryProvider(graph), base).catch((e: unknown) => e);
  assert.ok(missing instanceof NoMatchingVersion);
  assert.equal(
    missing.message,
    "No version matches 'lib==2.5'. The nearest versions are 1.2, 2.0, 2.1, 3.0, 3.1.",
  );
  assert.equal(missing.exitCode, 1);
  // Transitively, a missing project just rules out the versions that need it.
  assert.deepEqual(pins(await resolve(["app"], memoryProvider(graph), base)), ["app==0.9"]);
  assert.match(
    await explain(["app>=1"], graph),
    /app==1\.0 depends on nosuch>=1, but no version of nosuch is available/,
  );
});

test("a version with unparseable metadata is passed over", async () => {
  const graph: Graph = { lib: { "1.0": [], "2.0": ["bad requirement ((("] } };
  assert.deepEqual(pins(await resolve(["lib"], memoryProvider(graph), base)), ["lib==1.0"]);
  assert.match(
    await explain(["lib>=2"], graph),
    /lib==2\.0 cannot be used \(its metadata has an invalid requirement/,
  );
});

test("the result lists dependents, dependencies and an install order with dependencies first", async () => {
  const graph: Graph = {
    top: { "1.0": ["left", "right"] },
    left: { "1.0": ["shared"] },
    right: { "1.0": ["shared"] },
    shared: { "1.0": [] },
  };
  const resolution = await resolve(["top"], memoryProvider(graph), base);
  assert.deepEqual(resolution.packages.get("shared")!.requestedBy, ["left", "right"]);
  assert.deepEqual(resolution.packages.get("top")!.dependencies, ["left", "right"]);
  assert.equal(resolution.packages.get("top")!.direct, true);
  assert.equal(resolution.packages.get("left")!.direct, false);
  const order = resolution.order;
  assert.equal(order[0], "shared");
  assert.equal(order[order.length - 1], "top");
});

test("names are canonicalised: requirements spelled differently meet on one project", async () => {
  const graph: Graph = { "zope-interface": { "5.0": [], "6.0": [] }, app: { "1.0": ["Zope.Interface<6"] } };
  assert.deepEqual(pins(await resolve(["app", "zope_interface"], memoryProvider(graph), base)), [
    "app==1.0",
    "zope-interface==5.0",
  ]);
});

test("index failures propagate as they are, but a failed speculative fetch is harmless", async () => {
  const graph: Graph = { lib: { "1.0": [], "2.0": ["dep"] }, dep: { "1.0": [] }, app: { "1.0": ["lib<2"] } };
  const down = memoryProvider(graph);
  const boom = new Error("index is down");
  down.candidates = async () => {
    throw boom;
  };
  await assert.rejects(resolve(["lib"], down, base), (e) => e === boom);
  // lib 2.0 is prefetched as soon as lib's candidates arrive, but app caps lib below 2.
  const flaky = memoryProvider(graph);
  const fetchMetadata = flaky.dependencies.bind(flaky);
  flaky.dependencies = async (name, candidate) => {
    if (name === "lib" && candidate.version === "2.0") throw new Error("metadata unavailable");
    return fetchMetadata(name, candidate);
  };
  assert.deepEqual(pins(await resolve(["app"], flaky, base)), ["app==1.0", "lib==1.0"]);
  await assert.rejects(resolve(["lib"], flaky, base), /metadata unavailable/);
});

test("the hint mentions --pre only when pre-releases were held back", async () => {
  const graph: Graph = { lib: { "1.0": [], "2.0b1": [] }, app: { "1.0": ["lib<1"] } };
  const held = await resolve(["app", "lib"], memoryProvider(graph), base).catch((e: unknown) => e);
  assert.ok(held instanceof ResolutionImpossible);
  assert.match(held.hint ?? "", /--pre/);
  const plain: Graph = { lib: { "1.0": [] }, app: { "1.0": ["lib<1"] } };
  const other = await resolve(["app", "lib"], memoryProvider(plain), base).catch((e: unknown) => e);
  assert.ok(other instanceof ResolutionImpossible);
  assert.doesNotMatch(other.hint ?? "", /--pre/);
});

test("a release whose marker cannot be evaluated is passed over", async () => {
  const graph: Graph = { lib: { "1.0": [], "2.0": ['dep; python_version ~= "x"'] }, dep: { "1.0": [] } };
  assert.deepEqual(pins(await resolve(["lib"], memoryProvider(graph), base)), ["lib==1.0"]);
});

test("the provider is told, per listed project, the version the solver will most likely pick", async () => {
  const graph: Graph = {
    app: { "1.0": ["lib", "old"], "2.0": ["lib", "old"] },
    lib: { "1.0": [], "2.0": [], "3.0b1": [] },
    old: { "1.0": [], "1.5": { installed: true }, "2.0": [] },
  };
  const provider = memoryProvider(graph);
  const expected: string[] = [];
  provider.expect = (name, candidate) => expected.push(`${name}==${candidate.version}`);
  const result = await resolve(["app"], provider, { ...base, installed: new Map([["old", "1.5"]]) });
  // The newest non-pre-release, and for an installed project the installed version.
  assert.deepEqual(expected.sort(), ["app==2.0", "lib==2.0", "old==1.5"]);
  assert.deepEqual(pins(result), ["app==2.0", "lib==2.0", "old==1.5"]);
  // The user's own requirements and constraints on a project narrow the hint.
  const capped = memoryProvider(graph);
  const hinted: string[] = [];
  capped.expect = (name, candidate) => hinted.push(`${name}==${candidate.version}`);
  await resolve(["app", "lib<2"], capped, { ...base, constraints: ["app<2"] });
  assert.deepEqual(hinted.sort(), ["app==1.0", "lib==1.0", "old==1.5"]);
  // A provider whose hint fails does not fail the resolution.
  const failing = memoryProvider(graph);
  failing.expect = () => {
    throw new Error("hint failed");
  };
  assert.deepEqual(pins(await resolve(["app"], failing, base)), ["app==2.0", "lib==2.0", "old==1.5"]);
});
