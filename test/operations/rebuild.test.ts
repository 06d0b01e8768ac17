import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, existsSync, readdirSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { assertBuilt, removeDir } from "../python/cliHarness.ts";
import { snapshotTree } from "../install/envHelpers.ts";
import { makeWorld, type World } from "./installFixtures.ts";
import { cli, ok } from "./historyHelpers.ts";

/**
 * A damaged KB file: every command says so clearly and changes nothing; `rebuild-kb` moves the
 * file aside, salvages what it can still read (history included), rebuilds the rest from disk,
 * and leaves the environments exactly as they were.
 */
describe("rebuild-kb after KB damage", () => {
  let w: World;
  const kbFile = () => join(w.home, "kb.sqlite");
  const history = async () =>
    (
      JSON.parse((await ok(w, ["history", "--json"])).stdout) as {
        revisions: { number: number; command: string }[];
      }
    ).revisions;

  before(async () => {
    assertBuilt();
    w = await makeWorld(
      [
        { name: "alpha", version: "1.0" },
        { name: "alpha", version: "2.0" },
        { name: "beta", version: "1.0" },
        { name: "gamma", version: "1.0" },
      ],
      "rebuild",
    );
    await ok(w, ["install", "alpha==1.0"]);
    await ok(w, ["install", "alpha==2.0"]);
    await ok(w, ["install", "beta"]);
  });
  after(async () => {
    await w?.close();
    if (w) removeDir(w.dir);
  });

  test("a KB file with trailing garbage: clear error, nothing changed; rebuild-kb keeps the whole history", async () => {
    assert.ok(!existsSync(kbFile() + "-wal") || statSync(kbFile() + "-wal").size === 0);
    appendFileSync(kbFile(), Buffer.alloc(100, 7));
    const snap = snapshotTree(w.venv);
    for (const args of [["history"], ["install", "gamma"], ["revert"]]) {
      const r = await cli(w, args);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /knowledge base .*kb\.sqlite is damaged/);
      assert.match(r.stderr, /omnipkg rebuild-kb/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
    assert.deepEqual(snapshotTree(w.venv), snap, "environments untouched");
    const doctor = await cli(w, ["doctor", "--json"]);
    const kbFinding = (
      JSON.parse(doctor.stdout) as { findings: { check: string; ok: boolean; fix?: string }[] }
    ).findings.find((f) => f.check === "knowledge base");
    assert.equal(kbFinding?.ok, false);
    assert.equal(kbFinding?.fix, "omnipkg rebuild-kb");

    const r = await ok(w, ["rebuild-kb", "--json"]);
    const report = JSON.parse(r.stdout) as {
      movedAside: string;
      salvaged: { revisions: number };
      revisionsKept: number;
    };
    assert.match(report.movedAside, /kb\.sqlite\.corrupt-/);
    assert.ok(existsSync(report.movedAside), "the damaged file is kept");
    assert.equal(report.salvaged.revisions, 3);
    assert.equal(report.revisionsKept, 3);
    assert.deepEqual(snapshotTree(w.venv), snap, "rebuild only reads the environments");
    assert.deepEqual(
      (await history()).map((x) => x.number),
      [3, 2, 1],
    );
    const status = JSON.parse((await ok(w, ["status", "--json"])).stdout) as {
      environments: { drift: { clean: boolean }; bubbles: number }[];
    };
    assert.equal(status.environments[0]?.drift.clean, true);
    assert.equal(status.environments[0]?.bubbles, 1);
    // History survived with its snapshots: revert works and is itself recorded after them.
    await ok(w, ["revert"]);
    assert.equal(w.installed().beta, undefined);
    assert.equal((await history())[0]?.number, 4);
  });

  test("a truncated KB file: rebuild-kb recovers the on-disk state and the next install records normally", async () => {
    truncateSync(kbFile(), 4096);
    const snap = snapshotTree(w.venv);
    const bad = await cli(w, ["status", "--json"]);
    assert.match(bad.stdout + bad.stderr, /damaged \(it is truncated/);
    assert.deepEqual(snapshotTree(w.venv), snap);
    const r = await ok(w, ["rebuild-kb"]);
    assert.match(r.stdout, /damaged knowledge base was moved to .*kb\.sqlite\.corrupt-/);
    assert.deepEqual(snapshotTree(w.venv), snap);
    assert.equal(
      readdirSync(w.home).filter((n) => n.startsWith("kb.sqlite.corrupt-") && !/-(wal|shm)$/.test(n)).length,
      2,
    );
    const status = JSON.parse((await ok(w, ["status", "--json"])).stdout) as {
      environments: { packages: number; drift: { clean: boolean } }[];
    };
    assert.equal(status.environments[0]?.packages, 1);
    assert.equal(status.environments[0]?.drift.clean, true);
    const before = (await history()).length;
    await ok(w, ["install", "gamma"]);
    const after = await history();
    assert.equal(after.length, before + 1);
    assert.match(after[0]!.command, /install gamma/);
  });
});
