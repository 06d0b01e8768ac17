import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assertBuilt, removeDir } from "../python/cliHarness.ts";
import { snapshotTree } from "../install/envHelpers.ts";
import { makeWorld, type World } from "./installFixtures.ts";
import { swapPackage, type SwapReport } from "../../src/operations/swapPackage.ts";
import { isOmnipkgError } from "../../src/core/errors.ts";

/**
 * `swap NAME==VERSION` against a real venv and a local index: a bubbled version becomes main's,
 * main's version (and what the bubble replaces) goes into a bubble, from the store without a
 * download; a bubble that took the old version from main is rebuilt (runtime README rule 5).
 * The operation is called directly (swapPackageCli.test.ts covers the command).
 */

const GRAPH = [
  { name: "lib", version: "1.0", requires: ["base==1.0"] },
  { name: "lib", version: "2.0", requires: ["base==2.0", "extra-dep"] },
  { name: "base", version: "1.0" },
  { name: "base", version: "2.0" },
  { name: "extra-dep", version: "0.5" },
  { name: "pin", version: "1.0", requires: ["base==1.0"] },
  { name: "pin", version: "2.0" },
  { name: "solo", version: "1.0" },
  { name: "solo", version: "2.0" },
  { name: "keeper", version: "1.0", requires: ["base==1.0"] },
  { name: "keeper", version: "2.0" },
];

describe("swap NAME==VERSION", () => {
  let w: World;
  const savedEnv = { ...process.env };
  const swap = (spec: string): Promise<SwapReport> =>
    swapPackage({
      spec,
      target: { env: w.venv },
      indexFlags: { indexUrl: w.server.indexUrl },
      command: `omnipkg swap ${spec}`,
    });
  const wheelRequests = () => w.server.requests.filter((r) => r.path.endsWith(".whl")).length;
  const manifest = (folder: string) =>
    JSON.parse(readFileSync(join(w.venv, "bubbles", folder, ".omnipkg-bubble.json"), "utf8")) as {
      dists: { name: string; version: string; location: string }[];
    };
  const where = (folder: string) =>
    Object.fromEntries(manifest(folder).dists.map((d) => [d.name, `${d.version}@${d.location}`]));
  const python = (code: string) => execFileSync(w.python, ["-c", code], { encoding: "utf8" }).trim();

  before(async () => {
    assertBuilt();
    w = await makeWorld(GRAPH, "swap");
    for (const key of Object.keys(process.env)) if (/^(PIP_|UV_)/.test(key)) delete process.env[key];
    process.env.PIP_CONFIG_FILE = "/dev/null";
    process.env.OMNIPKG_HOME = w.home;
    for (const spec of ["lib==1.0", "pin==2.0", "lib==2.0", "pin==1.0", "solo==1.0"]) {
      const r = await w.cli(["install", spec]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.deepEqual(w.bubbles(), ["lib-2.0", "pin-1.0"]);
    assert.deepEqual(where("pin-1.0"), { pin: "1.0@bubble", base: "1.0@main" });
  });
  after(async () => {
    process.env = savedEnv;
    await w.close();
    removeDir(w.dir);
  });

  test("a bubbled version becomes main's from the store, main's goes into a bubble, stale bubbles are rebuilt", async () => {
    const downloads = wheelRequests();
    const report = await swap("lib==2.0");
    assert.equal(wheelRequests(), downloads, "no wheel was downloaded");
    assert.deepEqual(report.fetched, []);
    assert.equal(report.fromVersion, "1.0");
    const main = w.installed();
    assert.equal(main.lib, "2.0");
    assert.equal(main.base, "2.0");
    assert.equal(main["extra-dep"], "0.5");
    assert.equal(main.pin, "2.0", "untouched");
    assert.deepEqual(
      w.bubbles(),
      ["lib-1.0", "pin-1.0"],
      "the source bubble is gone, main's old version is bubbled",
    );
    assert.deepEqual(where("lib-1.0"), { lib: "1.0@bubble", base: "1.0@bubble" });
    assert.deepEqual(
      where("pin-1.0"),
      { pin: "1.0@bubble", base: "1.0@bubble" },
      "rebuilt with main's old base",
    );
    assert.deepEqual(
      report.bubblesRebuilt.map((b) => b.name),
      ["pin"],
    );
    assert.deepEqual(report.staleBubbles, []);
    assert.equal(typeof report.revision, "number");
    const out = python(
      [
        "import importlib.metadata as m, omnipkg, lib, base",
        "print(lib.VERSION, base.VERSION, m.version('lib'))",
        "with omnipkg.loader('lib==1.0'):",
        "    import lib, base",
        "    print(lib.VERSION, base.VERSION, m.version('lib'), m.version('base'))",
        "with omnipkg.loader('pin==1.0'):",
        "    import pin, base",
        "    print(pin.VERSION, base.VERSION)",
      ].join("\n"),
    );
    assert.deepEqual(out.split("\n"), ["2.0 2.0 2.0", "1.0 1.0 1.0 1.0", "1.0 1.0"]);
    const history = await w.cli(["history", "--env", w.venv, "--json"]);
    assert.equal(history.code, 0, history.stderr);
    const text = history.stdout;
    assert.match(text, /omnipkg swap lib==2\.0/);
    assert.match(text, /movedOutOfBubble/);
  });

  test("swapping to the version already in main says so and changes nothing", async () => {
    const snapshot = snapshotTree(w.venv);
    const report = await swap("lib==2.0");
    assert.equal(report.alreadyActive, true);
    assert.equal(report.revision, undefined);
    assert.deepEqual(snapshotTree(w.venv), snapshot);
  });

  test("a wheel missing from the store is fetched from the index and reported", async () => {
    // Forget lib 1.0's wheel manifest: the store can no longer rebuild it.
    const storeWheels = join(w.home, "store", "wheels");
    const sha = readdirSync(join(w.venv, "bubbles", "lib-1.0")).find((n) =>
      n.startsWith("lib-1.0.dist-info"),
    )!;
    const wheelSha = readFileSync(join(w.venv, "bubbles", "lib-1.0", sha, "omnipkg_wheel"), "utf8").trim();
    rmSync(join(storeWheels, `${wheelSha}.json`));
    const downloads = wheelRequests();
    const report = await swap("lib==1.0");
    assert.ok(wheelRequests() > downloads, "lib 1.0's wheel came from the index");
    assert.deepEqual(
      report.fetched.map((p) => `${p.name}==${p.version}`),
      ["lib==1.0"],
    );
    assert.equal(w.installed().lib, "1.0");
    assert.equal(w.installed().base, "1.0");
    assert.deepEqual(w.bubbles(), ["lib-2.0", "pin-1.0"]);
    assert.deepEqual(where("lib-2.0"), { lib: "2.0@bubble", base: "2.0@bubble", "extra-dep": "0.5@main" });
  });

  test("a failure while changing main leaves main, the source bubble and the bubbles as they were", async () => {
    // A file where main's base/ package folder was makes main's transaction fail half-way.
    const site = join(w.venv, "lib", readdirSync(join(w.venv, "lib"))[0]!, "site-packages");
    const init = join(site, "base", "__init__.py");
    const content = readFileSync(init);
    const before = w.installed();
    rmSync(join(site, "base"), { recursive: true });
    writeFileSync(join(site, "base"), "not a folder");
    try {
      await assert.rejects(swap("lib==2.0"));
    } finally {
      rmSync(join(site, "base"), { recursive: true, force: true });
      mkdirSync(join(site, "base"));
      writeFileSync(init, content);
    }
    assert.equal(
      readFileSync(join(site, "lib", "__init__.py"), "utf8"),
      'VERSION = "1.0"\n',
      "lib was not replaced",
    );
    assert.deepEqual(w.installed(), before);
    assert.deepEqual(w.bubbles(), ["lib-2.0", "pin-1.0"], "no lib-1.0 bubble was left behind");
    assert.ok(existsSync(join(w.venv, "bubbles", "lib-2.0", ".omnipkg-bubble.json")));
  });

  test("a bad spec is a usage error and a version nowhere installed goes through the install engine", async () => {
    await assert.rejects(
      swap("lib>=2"),
      (e: unknown) => isOmnipkgError(e) && e.exitCode === 2 && /NAME==VERSION/.test(e.message),
    );
    const report = await swap("solo==2.0");
    assert.equal(report.viaInstall, true);
    assert.equal(w.installed().solo, "2.0");
    assert.ok(w.bubbles().includes("solo-1.0"), "main's 1.0 went into a bubble");
  });

  test("a bubble that took main's old version and cannot be rebuilt from the store is reported stale", async () => {
    assert.equal(w.installed().base, "1.0");
    for (const spec of ["keeper==2.0", "keeper==1.0"]) assert.equal((await w.cli(["install", spec])).code, 0);
    assert.deepEqual(where("keeper-1.0"), { keeper: "1.0@bubble", base: "1.0@main" });
    const distInfo = readdirSync(join(w.venv, "bubbles", "keeper-1.0")).find((n) =>
      n.endsWith(".dist-info"),
    )!;
    const sha = readFileSync(join(w.venv, "bubbles", "keeper-1.0", distInfo, "omnipkg_wheel"), "utf8").trim();
    rmSync(join(w.home, "store", "wheels", `${sha}.json`));
    const report = await swap("lib==2.0");
    assert.deepEqual(
      report.staleBubbles.map((b) => `${b.name}==${b.version}: ${b.dist} ${b.expects} -> ${b.main}`),
      ["keeper==1.0: base 1.0 -> 2.0"],
    );
    assert.equal(w.installed().base, "2.0", "the swap itself went through");
  });
});
