import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { assertBuilt, removeDir } from "../python/cliHarness.ts";
import { snapshotTree } from "../install/envHelpers.ts";
import { makeWorld, type World } from "./installFixtures.ts";

/** `omnipkg prune NAME --keep N` through the real CLI, against a venv with four bubbles of one project. */

const VERSIONS = ["1.0", "1.9", "1.10", "2.0rc1", "3.0"];

describe("omnipkg prune", () => {
  let w: World;
  before(async () => {
    assertBuilt();
    w = await makeWorld(
      [...VERSIONS.map((version) => ({ name: "solo", version })), { name: "other", version: "1.0" }],
      "prune",
    );
    // 3.0 goes into main; every other version into a bubble (stable-main keeps main).
    for (const spec of [
      "solo==3.0",
      "other==1.0",
      "solo==1.0",
      "solo==1.9",
      "solo==1.10",
      "solo==2.0rc1",
      "other==1.0",
    ]) {
      const r = await w.cli(["install", spec]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.deepEqual(w.bubbles(), ["solo-1.0", "solo-1.10", "solo-1.9", "solo-2.0rc1"]);
  });
  after(async () => {
    await w.close();
    removeDir(w.dir);
  });

  test("--dry-run lists what would go in PEP 440 order and changes nothing", async () => {
    const snapshot = snapshotTree(w.venv);
    const r = await w.cli(["prune", "solo", "--keep", "2", "--dry-run", "--json", "--env", w.venv]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(
      report.kept.map((b: { version: string }) => b.version),
      ["2.0rc1", "1.10"],
      "1.10 is newer than 1.9",
    );
    assert.deepEqual(
      report.removed.map((b: { version: string }) => b.version),
      ["1.9", "1.0"],
    );
    assert.equal(report.mainVersion, "3.0");
    assert.deepEqual(snapshotTree(w.venv), snapshot);
  });

  test("--keep 2 removes the older bubbles, records a revision, and leaves main alone", async () => {
    const r = await w.cli(["prune", "solo", "--keep", "2", "--env", w.venv]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Removed 2 of 4 bubbles of solo/);
    assert.match(r.stdout, /- solo==1\.9/);
    assert.deepEqual(w.bubbles(), ["solo-1.10", "solo-2.0rc1"]);
    assert.equal(w.installed().solo, "3.0");
    const history = await w.cli(["history", "--env", w.venv, "--json"]);
    assert.match(history.stdout, /omnipkg prune solo --keep 2/);
  });

  test("nothing to prune, --keep 0, and bad --keep values", async () => {
    const none = await w.cli(["prune", "other", "--keep", "1", "--env", w.venv]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stderr, /other has no bubbles/);
    const bad = await w.cli(["prune", "solo", "--keep", "-1", "--env", w.venv]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"-1" is not a non-negative whole number/);
    const missing = await w.cli(["prune", "solo", "--env", w.venv]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--keep/);
    assert.deepEqual(w.bubbles(), ["solo-1.10", "solo-2.0rc1"], "bad usage changed nothing");
    const all = await w.cli(["prune", "solo", "--keep", "0", "--env", w.venv]);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(w.bubbles(), []);
  });
});
