import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { assertBuilt, makeTempDir, removeDir, runCli } from "../python/cliHarness.ts";
import { requirePythons } from "../helpers/pythons.ts";
import { isolatedEnv } from "../operations/installFixtures.ts";

/** The history/revert/rebuild-kb command surface: help, usage errors, an environment with no history. */
describe("history, revert and rebuild-kb on the command line", () => {
  let dir: string;
  let home: string;
  let venv: string;
  const run = (args: string[]) => runCli(args, { home, env: isolatedEnv() });

  before(() => {
    assertBuilt();
    dir = makeTempDir("history-cli");
    home = join(dir, "home");
    venv = join(dir, "venv");
    execFileSync(requirePythons(1, 8)[0]!.path, ["-m", "venv", "--without-pip", venv]);
  });
  after(() => removeDir(dir));

  test("--help names every flag", () => {
    const flags: Record<string, string[]> = {
      history: ["--json", "--limit", "--env", "--python"],
      revert: ["--to", "--dry-run", "--json", "--offline", "--index-url", "--env"],
      "rebuild-kb": ["--env", "--json"],
    };
    for (const [command, names] of Object.entries(flags)) {
      const r = run([command, "--help"]);
      assert.equal(r.code, 0, r.stderr);
      for (const name of names) assert.ok(r.stdout.includes(name), `${command} --help lacks ${name}`);
    }
  });

  test("an environment with no revisions: history says so, revert refuses clearly", () => {
    let r = run(["history", "--env", venv]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No revisions recorded/);
    r = run(["history", "--env", venv, "--json"]);
    assert.deepEqual((JSON.parse(r.stdout) as { revisions: unknown[] }).revisions, []);
    r = run(["revert", "--env", venv]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /has no recorded revisions to revert to/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test("bad numbers are usage errors (exit 2)", () => {
    for (const args of [
      ["history", "--env", venv, "--limit", "0"],
      ["revert", "--env", venv, "--to", "-1"],
      ["revert", "--env", venv, "--to", "two"],
    ]) {
      const r = run(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    }
  });

  test("rebuild-kb --env adopts a venv omnipkg never installed into", () => {
    let r = run(["status", "--json", "--env", venv]);
    let env = (JSON.parse(r.stdout) as { environments: { drift: { known: boolean } }[] }).environments[0];
    assert.equal(env?.drift.known, false);
    r = run(["rebuild-kb", "--env", venv]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /0 distributions, 0 bubbles/);
    r = run(["status", "--json"]);
    env = (JSON.parse(r.stdout) as { environments: { drift: { known: boolean } }[] }).environments[0];
    assert.equal(env?.drift.known, true, "known without --env now: the KB lists it");
    r = run(["rebuild-kb", "--env", join(dir, "nope")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not a virtual environment/);
  });
});
