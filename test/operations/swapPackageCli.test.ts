import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { assertBuilt, removeDir } from "../python/cliHarness.ts";
import { makeWorld, type World } from "./installFixtures.ts";

/** `omnipkg swap NAME==VERSION` through the real CLI: the report a person reads, --json, and usage errors. */

let w: World;
before(async () => {
  assertBuilt();
  w = await makeWorld(
    [
      { name: "lib", version: "1.0", requires: ["base==1.0"] },
      { name: "lib", version: "2.0", requires: ["base==2.0"] },
      { name: "base", version: "1.0" },
      { name: "base", version: "2.0" },
    ],
    "swap-cli",
  );
  for (const spec of ["lib==1.0", "lib==2.0"]) assert.equal((await w.cli(["install", spec])).code, 0);
});
after(async () => {
  await w.close();
  removeDir(w.dir);
});

test("swap lib==2.0 prints what moved; again says nothing to change; --json; a bad spec is exit 2", async () => {
  const r = await w.cli(["swap", "lib==2.0", "--env", w.venv]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Swapped lib to 2\.0 \(was 1\.0\)/);
  assert.match(r.stdout, /\+ lib==2\.0 \(was 1\.0\)/);
  assert.match(r.stdout, /\+ base==2\.0 \(was 1\.0\)/);
  assert.match(r.stdout, /~ lib==1\.0 bubbled \((base==1\.0, lib==1\.0|lib==1\.0, base==1\.0)\)/);
  assert.deepEqual(w.bubbles(), ["lib-1.0"]);
  const again = await w.cli(["swap", "lib==2.0", "--env", w.venv]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /already the version in main: nothing to change/);
  const json = await w.cli(["swap", "lib==1.0", "--env", w.venv, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.version, "1.0");
  assert.equal(report.fromVersion, "2.0");
  assert.deepEqual(report.fetched, []);
  const bad = await w.cli(["swap", "lib>=2", "--env", w.venv]);
  assert.equal(bad.code, 2);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});
