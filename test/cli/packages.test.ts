import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createBubble } from "../../src/bubbles/writeBubble.ts";
import { createStore } from "../../src/store/index.ts";
import { buildWheel } from "../helpers/buildWheel.ts";
import { assertBuilt, cliEnv, makeTempDir, REPO, removeDir, runCli } from "../python/cliHarness.ts";
import {
  BIG,
  createInspectFixture,
  pip,
  pipOk,
  sortedLines,
  type InspectFixture,
} from "../operations/inspectFixture.ts";

/**
 * `omnipkg info|freeze|check` and the package listing run as a user runs them (the built bundle,
 * a temp OMNIPKG_HOME, `--env <venv>`), against a venv real pip filled, compared with pip itself.
 */

let fx: InspectFixture;
let home: string;
let bubbleDir: string;

before(async () => {
  assertBuilt();
  fx = await createInspectFixture("packages-cli");
  home = makeTempDir("packages-home");
  const store = createStore(join(home, "store"));
  const wheels = join(fx.root, "bubble-wheels");
  mkdirSync(wheels);
  const eps = await store.importWheel(
    buildWheel({ name: "epsilon", version: "0.4", files: { "epsilon/__init__.py": "E = 4\n" + BIG } }, wheels)
      .path,
  );
  bubbleDir = createBubble(store, fx.target.scheme, {
    name: "epsilon",
    version: "0.4",
    inBubble: [eps],
    fromMain: [],
  });
});
after(() => {
  removeDir(fx.root);
  removeDir(home);
});

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(args, { home, env: { VIRTUAL_ENV: "", ...env } });

describe("omnipkg freeze / check against pip", () => {
  it("freeze prints exactly what pip freeze prints, with --env or an activated VIRTUAL_ENV", () => {
    const expected = pipOk(fx, ["freeze"]);
    const r = cli(["freeze", "--env", fx.env]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, expected);
    const activated = runCli(["freeze"], { home, env: { VIRTUAL_ENV: fx.env } });
    assert.equal(activated.code, 0, activated.stderr);
    assert.equal(activated.stdout, expected);
    assert.equal(cli(["freeze", "--all", "--env", fx.env]).stdout, pipOk(fx, ["freeze", "--all"]));
  });

  it("check prints pip check's lines and exits 1; --json gives the same problems", () => {
    const pipCheck = pip(fx, ["check"]);
    const r = cli(["check", "--env", fx.env]);
    assert.equal(r.code, 1);
    assert.equal(pipCheck.status, 1);
    assert.deepEqual(sortedLines(r.stdout), sortedLines(pipCheck.stdout));
    const json = cli(["check", "--json", "--env", fx.env]);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as { ok: boolean; problems: { kind: string; message: string }[] };
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.problems.map((p) => p.message),
      r.stdout.trimEnd().split("\n"),
    );
    assert.equal(report.problems.at(-1)!.kind, "conflict");
  });
});

describe("omnipkg info and the package listing", () => {
  it("info shows the active version, pip show's fields and the bubbled version with its bytes", () => {
    const r = cli(["info", "epsilon", "--env", fx.env]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Name: epsilon$/m);
    assert.match(r.stdout, /^Version: 1\.5 \(active\)$/m);
    assert.match(r.stdout, /^Required-by: alpha, Zeta_Pkg$/m);
    assert.match(r.stdout, /^Bubbled versions$/m);
    assert.match(r.stdout, /^0\.4 +epsilon==0\.4 +bubbles\/epsilon-0\.4 /m);

    const json = cli(["info", "epsilon", "--json", "--env", fx.env]);
    const info = JSON.parse(json.stdout) as {
      active: { version: string };
      bubbled: { version: string; bubble: { path: string; sizeBytes: number; sharedBytes: number } }[];
    };
    assert.equal(info.active.version, "1.5");
    assert.equal(info.bubbled.length, 1);
    assert.equal(info.bubbled[0]!.bubble.path, bubbleDir);
    // The package file is linked from the store: at least BIG's bytes are shared.
    assert.ok(info.bubbled[0]!.bubble.sharedBytes >= BIG.length, JSON.stringify(info.bubbled[0]));
    assert.ok(info.bubbled[0]!.bubble.sizeBytes > info.bubbled[0]!.bubble.sharedBytes);
  });

  it("info on a missing package or a bad environment fails with one clear sentence; no name is bad usage", () => {
    const missing = cli(["info", "nothere", "--env", fx.env]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nothere is not installed in /);
    assert.match(missing.stderr, /omnipkg list/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, "no stack trace");
    const notVenv = cli(["info", "alpha", "--env", fx.root]);
    assert.equal(notVenv.code, 1);
    assert.match(notVenv.stderr, /is not a virtual environment/);
    assert.equal(cli(["info"]).code, 2);
  });

  it("listPackagesAction prints the table and the Bubbles section, or JSON", () => {
    const run = (json: boolean) =>
      spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "-e",
          `import("./src/cli/packages.ts").then((m) => m.listPackagesAction({ env: ${JSON.stringify(fx.env)}, json: ${json} }))`,
        ],
        { cwd: REPO, encoding: "utf8", env: cliEnv(home), timeout: 60_000 },
      );
    const text = run(false);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^Package +Version +Location$/m);
    assert.match(text.stdout, /^epsilon +1\.5 +main \(\+1 bubbled\)$/m);
    assert.match(text.stdout, /^Bubbles$/m);
    assert.match(text.stdout, /^epsilon==0\.4 +bubbles\/epsilon-0\.4 +\d/m);
    const json = JSON.parse(run(true).stdout) as {
      packages: { name: string }[];
      bubbles: { path: string; sizeBytes: number; sharedBytes: number; files: number }[];
    };
    assert.deepEqual(
      json.packages.map((p) => p.name),
      ["alpha", "epsilon", "eta", "omega", "pip", "Zeta_Pkg"],
    );
    assert.equal(json.bubbles.length, 1);
    assert.equal(json.bubbles[0]!.path, bubbleDir);
    assert.ok(json.bubbles[0]!.sharedBytes >= BIG.length);
  });

  it("list and info never open the knowledge base once the interpreter's probe is mirrored", () => {
    const first = cli(["list", "--json", "--env", fx.env]);
    assert.equal(first.code, 0, first.stderr);
    const info = cli(["info", "epsilon", "--json", "--env", fx.env]);
    assert.equal(info.code, 0, info.stderr);
    // Nothing listens on port 1: a command that opened this knowledge base would fail.
    const deadKb = { OMNIPKG_KB: "redis://127.0.0.1:1/0" };
    const list = cli(["list", "--json", "--env", fx.env], deadKb);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, first.stdout);
    const again = cli(["info", "epsilon", "--json", "--env", fx.env], deadKb);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, info.stdout);
    // A command that records (freeze does not; history reads the KB itself) still reaches it.
    const history = cli(["history", "--env", fx.env], deadKb);
    assert.equal(history.code, 1);
    assert.match(history.stderr, /knowledge base at redis:\/\/127\.0\.0\.1:1.* is unreachable/);
  });

  it("every command has --help", () => {
    for (const command of ["info", "freeze", "check"]) {
      const r = cli([command, "--help"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /--env <dir>/);
      assert.match(r.stdout, /--python <version>/);
    }
  });
});
