import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assertBuilt, removeDir } from "../python/cliHarness.ts";
import { snapshotTree } from "../install/envHelpers.ts";
import { makeWorld, type World } from "./installFixtures.ts";

/**
 * `omnipkg install` end to end: the real CLI, a real HTTP index on 127.0.0.1 serving wheels
 * built by the test, a real venv, and Python's own importlib.metadata as the judge of the result.
 */

const GRAPH = [
  // a diamond: app -> left, right; left -> base>=1; right -> base<2
  { name: "app", version: "1.0", requires: ["left", "right"] },
  { name: "left", version: "1.0", requires: ["base>=1"] },
  { name: "right", version: "1.0", requires: ["base<2"] },
  { name: "base", version: "1.0" },
  { name: "base", version: "2.0" },
  // conflict: pins that cannot both hold
  { name: "needs-new", version: "1.0", requires: ["base>=2"] },
  { name: "needs-old", version: "1.0", requires: ["base<2"] },
  // versions whose dependencies differ, for bubbles
  { name: "lib", version: "1.0", requires: ["base==1.0"] },
  { name: "lib", version: "2.0", requires: ["base==2.0", "extra-dep"] },
  { name: "extra-dep", version: "0.5" },
  { name: "tool", version: "1.0", requires: ["base>=2"] },
  { name: "solo", version: "1.0" },
  { name: "solo", version: "2.0" },
  { name: "solo", version: "3.0rc1" },
  { name: "feat", version: "1.0", extras: { fast: ["solo>=2"] } },
];

describe("omnipkg install against a local index", () => {
  let w: World;
  before(async () => {
    assertBuilt();
    w = await makeWorld(GRAPH);
  });
  after(async () => {
    await w.close();
    removeDir(w.dir);
  });

  test("a diamond resolves to the one version both sides accept, and pip-visible metadata says so", async () => {
    const r = await w.cli(["install", "app"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Resolved 4 packages in/);
    assert.match(r.stderr, /Installed 4 packages in/);
    assert.match(r.stdout, /\+ base==1\.0/);
    const installed = w.installed();
    assert.equal(installed.base, "1.0");
    assert.equal(installed.app, "1.0");
    const distInfo = join(
      w.venv,
      "lib",
      readdirSync(join(w.venv, "lib"))[0]!,
      "site-packages",
      "app-1.0.dist-info",
    );
    assert.equal(readFileSync(join(distInfo, "INSTALLER"), "utf8").trim(), "omnipkg");
    assert.ok(existsSync(join(distInfo, "REQUESTED")), "app was asked for by name");
    assert.equal(existsSync(join(distInfo.replace("app-1.0", "left-1.0"), "REQUESTED")), false);
  });

  test("installing it again changes nothing and downloads nothing", async () => {
    const before = w.server.requests.length;
    const r = await w.cli(["install", "app"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /nothing to change/);
    const files = w.server.requests.slice(before).filter((q) => q.path.endsWith(".whl"));
    assert.deepEqual(files, []);
  });

  test("conflicting requirements fail with a derivation and change nothing", async () => {
    const snapshot = snapshotTree(w.venv);
    const r = await w.cli(["install", "needs-new", "needs-old"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /needs-new/);
    assert.match(r.stderr, /needs-old/);
    assert.match(r.stderr, /cannot be installed together|no solution|No solution/i);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.deepEqual(snapshotTree(w.venv), snapshot);
  });

  test("an unknown package and an unknown version get one clear sentence each", async () => {
    const unknown = await w.cli(["install", "no-such-package-xyz"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no-such-package-xyz/);
    const version = await w.cli(["install", "solo==9.9"]);
    assert.equal(version.code, 1);
    assert.match(version.stderr, /solo==9\.9/);
    assert.match(version.stderr, /2\.0/, "the nearest versions are listed");
  });

  test("stable-main: a version that would change main goes into a bubble, main untouched", async () => {
    assert.equal((await w.cli(["install", "lib==1.0"])).code, 0);
    const before = w.installed();
    const r = await w.cli(["install", "lib==2.0"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(w.installed(), before, "main is exactly as it was");
    assert.deepEqual(w.bubbles(), ["lib-2.0"]);
    const manifest = JSON.parse(
      readFileSync(join(w.venv, "bubbles", "lib-2.0", ".omnipkg-bubble.json"), "utf8"),
    );
    const where = Object.fromEntries(
      manifest.dists.map((d: { name: string; location: string }) => [d.name, d.location]),
    );
    assert.deepEqual(where, { lib: "bubble", base: "bubble", "extra-dep": "bubble" });
  });

  test("stable-main protects main from a transitive downgrade or upgrade too", async () => {
    const before = w.installed();
    const r = await w.cli(["install", "tool"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(w.installed().base, before.base, "tool needs base>=2 but main keeps base 1.0");
    assert.ok(w.bubbles().includes("tool-1.0"));
  });

  test("the runtime loader switches to the bubble mid-script and back", async () => {
    const script = [
      "import importlib.metadata as m, omnipkg",
      "import lib, base",
      "print(lib.VERSION, base.VERSION)",
      "with omnipkg.loader('lib==2.0'):",
      "    import lib, base",
      "    print(lib.VERSION, base.VERSION, m.version('base'))",
      "import lib, base",
      "print(lib.VERSION, base.VERSION)",
    ].join("\n");
    const out = execFileSync(w.python, ["-c", script], { encoding: "utf8" });
    assert.equal(out, "1.0 1.0\n2.0 2.0 2.0\n1.0 1.0\n");
  });

  test("two versions of one project in one command: the first in main, the other bubbled", async () => {
    const r = await w.cli(["install", "solo==1.0", "solo==2.0"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(w.installed().solo, "1.0");
    assert.ok(w.bubbles().includes("solo-2.0"));
  });

  test("uninstall NAME==VERSION removes that bubble only; an unknown name changes nothing", async () => {
    const snapshot = snapshotTree(w.venv);
    const bad = await w.cli(["uninstall", "solo", "no-such-thing"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /no-such-thing/);
    assert.deepEqual(snapshotTree(w.venv), snapshot, "checked before removing anything");
    const r = await w.cli(["uninstall", "solo==2.0"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!w.bubbles().includes("solo-2.0"));
    assert.equal(w.installed().solo, "1.0");
  });

  test("--dry-run reports and changes nothing; --json is machine-readable", async () => {
    const snapshot = snapshotTree(w.venv);
    const r = await w.cli(["install", "feat[fast]", "--dry-run", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.dryRun, true);
    assert.ok(report.resolved.some((p: { name: string }) => p.name === "feat"));
    assert.deepEqual(snapshotTree(w.venv), snapshot);
  });

  test("pre-releases only with --pre; requirement and constraint files", async () => {
    const req = join(w.dir, "req.txt");
    const con = join(w.dir, "con.txt");
    writeFileSync(req, "# comment\nfeat[fast]  # the fast extra pulls solo\n");
    writeFileSync(con, "solo<2\n");
    const blocked = await w.cli(["install", "-r", req, "-c", con, "--dry-run"]);
    assert.equal(blocked.code, 1, "feat[fast] needs solo>=2 but the constraint says <2");
    const dry = await w.cli([
      "install",
      "solo>2",
      "--pre",
      "--dry-run",
      "--json",
      "--strategy",
      "latest-active",
    ]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.ok(JSON.parse(dry.stdout).installed.some((p: { version: string }) => p.version === "3.0rc1"));
  });

  test("latest-active puts the new version in main and moves the old one into a bubble", async () => {
    const r = await w.cli(["install", "solo==2.0", "--strategy", "latest-active"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(w.installed().solo, "2.0");
    assert.ok(w.bubbles().includes("solo-1.0"));
  });

  test("a local wheel path installs with a PEP 610 direct_url.json", async () => {
    const wheel = readdirSync(join(w.dir, "wheels")).find((f) => f.startsWith("extra_dep-0.5"))!;
    const r = await w.cli(["install", join(w.dir, "wheels", wheel)]);
    assert.equal(r.code, 0, r.stderr);
    const site = join(w.venv, "lib", readdirSync(join(w.venv, "lib"))[0]!, "site-packages");
    const direct = JSON.parse(readFileSync(join(site, "extra_dep-0.5.dist-info", "direct_url.json"), "utf8"));
    assert.match(direct.url, /^file:\/\//);
  });
});

describe("install faults leave the environment and the store unchanged", () => {
  let w: World;
  before(async () => {
    assertBuilt();
    w = await makeWorld(
      [
        { name: "good", version: "1.0" },
        { name: "bad", version: "1.0" },
      ],
      "install-faults",
    );
  });
  after(async () => {
    await w.close();
    removeDir(w.dir);
  });

  test("a download whose bytes do not match the index hash is refused", async () => {
    const wheel = "bad-1.0-py3-none-any.whl";
    // Same length as the real wheel, different bytes: only the hash can tell.
    const size = statSync(join(w.dir, "wheels", wheel)).size;
    w.server.setBehaviour(`/files/${wheel}`, {
      respond: { status: 200, contentType: "application/octet-stream", body: "x".repeat(size) },
    });
    const snapshot = snapshotTree(w.venv);
    const r = await w.cli(["install", "bad"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /hash|sha256/i);
    assert.deepEqual(snapshotTree(w.venv), snapshot);
    const storeFiles = join(w.home, "store", "files");
    assert.ok(
      !existsSync(storeFiles) || readdirSync(storeFiles).length === 0,
      "no partial files in the store",
    );
  });

  test("an index that is down gives a clear error naming it", async () => {
    const r = await w.cli([
      "install",
      "good",
      "--index-url",
      "http://127.0.0.1:9/simple",
      "--retries",
      "0",
      "--timeout",
      "2",
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /127\.0\.0\.1:9/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test("--env pointing at a folder that is not a venv is refused", async () => {
    const r = await w.cli(["install", "good", "--env", w.dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a virtual environment/);
  });
});
