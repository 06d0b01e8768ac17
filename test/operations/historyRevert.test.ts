import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { assertBuilt, removeDir } from "../python/cliHarness.ts";
import { snapshotTree } from "../install/envHelpers.ts";
import { makeWorld, type World } from "./installFixtures.ts";
import { cli, defaults, ok } from "./historyHelpers.ts";
import { startRedisServer, type RedisServer } from "../helpers/redisServer.ts";

/**
 * `omnipkg history` and `omnipkg revert` end to end: real CLI, real venv, a real index on
 * 127.0.0.1, and Python's importlib.metadata as the judge of what is installed.
 */
interface HistoryJson {
  revisions: {
    number: number;
    command: string;
    added: { name: string; version: string; wheelSha256?: string }[];
    removed: { name: string; version: string; bubble?: string }[];
    changed: { name: string; version: string; fromVersion?: string }[];
    movedIntoBubble: { name: string; version: string; bubble?: string }[];
  }[];
}

for (const backend of ["sqlite", "redis"] as const)
  describe(`omnipkg history and revert (${backend} knowledge base)`, () => {
    let w: World;
    let redis: RedisServer | undefined;
    const wheelRequests = (from: number) =>
      w.server.requests.slice(from).filter((q) => q.path.endsWith(".whl"));
    const history = async (): Promise<HistoryJson> => {
      const r = await cli(w, ["history", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as HistoryJson;
    };

    before(async () => {
      assertBuilt();
      if (backend === "redis") {
        redis = await startRedisServer();
        defaults.env = { OMNIPKG_KB: redis.url(0) };
      }
      w = await makeWorld(
        [
          { name: "alpha", version: "1.0" },
          { name: "alpha", version: "2.0" },
          { name: "beta", version: "1.0" },
          { name: "gamma", version: "1.0" },
        ],
        "history",
      );
      for (const args of [["alpha==1.0"], ["beta"], ["alpha==2.0"]]) await ok(w, ["install", ...args]);
      await ok(w, ["uninstall", "beta"]);
    });
    after(async () => {
      defaults.env = {};
      await redis?.stop();
      await w?.close();
      if (w) removeDir(w.dir);
    });

    test("history lists every command as a numbered revision with what it changed", async () => {
      const h = await history();
      assert.equal(
        existsSync(join(w.home, "kb.sqlite")),
        backend === "sqlite",
        "the backend under test holds the history",
      );
      assert.deepEqual(
        h.revisions.map((r) => r.number),
        [4, 3, 2, 1],
      );
      const [r4, r3, r2, r1] = h.revisions;
      assert.match(r1!.command, /install alpha==1\.0/);
      assert.deepEqual(
        r1!.added.map((a) => `${a.name}==${a.version}`),
        ["alpha==1.0"],
      );
      assert.deepEqual(
        r2!.added.map((a) => a.name),
        ["beta"],
      );
      assert.deepEqual(
        r3!.movedIntoBubble.map((m) => `${m.name}==${m.version}@${m.bubble}`),
        ["alpha==2.0@alpha-2.0"],
      );
      assert.match(r4!.command, /uninstall beta/);
      assert.deepEqual(
        r4!.removed.map((x) => x.name),
        ["beta"],
      );
      const text = await cli(w, ["history"]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /#3 .*install alpha==2\.0/);
      assert.match(text.stdout, /> alpha 2\.0 into bubble alpha-2\.0/);
    });

    test("revert --dry-run reports and changes nothing", async () => {
      const snap = snapshotTree(w.venv);
      const r = await cli(w, ["revert", "--to", "1", "--dry-run", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as { bubblesRemoved: { name: string }[]; dryRun: boolean };
      assert.equal(report.dryRun, true);
      assert.deepEqual(
        report.bubblesRemoved.map((b) => b.name),
        ["alpha"],
      );
      assert.deepEqual(snapshotTree(w.venv), snap);
      assert.equal((await history()).revisions.length, 4);
    });

    test("revert undoes the last command from the store, with no download, as a new revision", async () => {
      const before = w.server.requests.length;
      const r = await cli(w, ["revert"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /revision 3 \(recorded as revision 5\)/);
      assert.deepEqual(wheelRequests(before), []);
      assert.equal(w.installed().beta, "1.0");
      assert.equal(w.installed().alpha, "1.0");
      assert.deepEqual(w.bubbles(), ["alpha-2.0"]);
      assert.match((await history()).revisions[0]!.command, /^omnipkg revert /);
    });

    test("revert --to 1 removes later packages and bubbles; reverting again undoes that revert", async () => {
      let r = await cli(w, ["revert", "--to", "1"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(w.installed(), { alpha: "1.0" });
      assert.deepEqual(w.bubbles(), []);
      r = await cli(w, ["revert"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(w.installed(), { alpha: "1.0", beta: "1.0" });
      assert.deepEqual(w.bubbles(), ["alpha-2.0"]);
      assert.equal((await history()).revisions[0]!.number, 7);
    });

    test("revert --to 0 returns to the state before the first revision", async () => {
      const r = await cli(w, ["revert", "--to", "0", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(w.installed(), {});
      assert.deepEqual(w.bubbles(), []);
      const back = await cli(w, ["revert"]);
      assert.equal(back.code, 0, back.stderr);
      assert.deepEqual(w.installed(), { alpha: "1.0", beta: "1.0" });
    });

    test("a revision number out of range is a usage error that changes nothing", async () => {
      const snap = snapshotTree(w.venv);
      for (const to of ["99", "abc"]) {
        const r = await cli(w, ["revert", "--to", to]);
        assert.equal(r.code, 2, r.stderr);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
      }
      assert.deepEqual(snapshotTree(w.venv), snap);
    });

    test("a wheel gone from the store: offline is a clear error with nothing changed; online it is fetched, saying so", async () => {
      const betaSha = (await history()).revisions.find((r) => r.number === 2)!.added[0]!.wheelSha256!;
      const manifest = join(w.home, "store", "wheels", `${betaSha}.json`);
      assert.ok(existsSync(manifest));
      let r = await cli(w, ["uninstall", "beta"]);
      assert.equal(r.code, 0, r.stderr);
      rmSync(manifest);
      const snap = snapshotTree(w.venv);
      const revisions = (await history()).revisions.length;
      r = await cli(w, ["revert", "--offline"]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /beta==1\.0 is not in the store and omnipkg is offline; nothing was changed/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.deepEqual(snapshotTree(w.venv), snap);
      assert.equal((await history()).revisions.length, revisions);

      const before = w.server.requests.length;
      r = await cli(w, ["revert", "--index-url", w.server.indexUrl]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /fetching beta==1\.0 from the index/);
      assert.equal(wheelRequests(before).length, 1);
      assert.equal(w.installed().beta, "1.0");
    });

    test("an unreachable index is the same clear error, nothing changed", async () => {
      let r = await cli(w, ["uninstall", "beta"]);
      assert.equal(r.code, 0, r.stderr);
      const sha = (await history()).revisions.find((x) => x.added.some((a) => a.name === "beta"))!.added[0]!
        .wheelSha256;
      if (sha) rmSync(join(w.home, "store", "wheels", `${sha}.json`), { force: true });
      const snap = snapshotTree(w.venv);
      r = await cli(w, ["revert", "--index-url", "http://127.0.0.1:9/simple", "--retries", "0"]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /beta==1\.0 is not in the store and fetching it from the index failed/);
      assert.deepEqual(snapshotTree(w.venv), snap);
    });
  });

describe("revert after a latest-active install", () => {
  let w: World;
  before(async () => {
    assertBuilt();
    w = await makeWorld(
      [
        { name: "alpha", version: "1.0" },
        { name: "alpha", version: "2.0" },
      ],
      "history-latest",
    );
    await ok(w, ["install", "alpha==1.0"]);
    await ok(w, ["install", "alpha==2.0", "--strategy", "latest-active"]);
  });
  after(async () => {
    await w?.close();
    if (w) removeDir(w.dir);
  });

  test("the displaced version's bubble is known to the KB (no drift), and revert swaps main back", async () => {
    assert.deepEqual(w.installed(), { alpha: "2.0" });
    assert.deepEqual(w.bubbles(), ["alpha-1.0"]);
    const status = JSON.parse((await ok(w, ["status", "--json"])).stdout) as {
      environments: { drift: { clean: boolean; bubblesAdded: string[] } }[];
    };
    assert.deepEqual(status.environments[0]?.drift.bubblesAdded, []);
    assert.equal(status.environments[0]?.drift.clean, true);
    const r = await ok(w, ["revert", "--json"]);
    const report = JSON.parse(r.stdout) as {
      installed: { name: string; version: string; fromVersion?: string }[];
    };
    assert.deepEqual(report.installed, [{ name: "alpha", version: "1.0", fromVersion: "2.0" }]);
    assert.deepEqual(w.installed(), { alpha: "1.0" });
    assert.deepEqual(w.bubbles(), []);
  });
});
