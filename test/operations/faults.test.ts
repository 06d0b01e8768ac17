import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { assertBuilt, removeDir } from "../python/cliHarness.ts";
import { requirePythons } from "../helpers/pythons.ts";
import { startRedisServer, type RedisServer } from "../helpers/redisServer.ts";
import { makeWorld, type World } from "./installFixtures.ts";
import { cli, ok } from "./historyHelpers.ts";

/**
 * Faults around recording installs: concurrent installs (serialised by the environment lock, every
 * revision kept), and a Redis knowledge base killed in the middle of an install.
 */
interface Revisions {
  revisions: { number: number; command: string }[];
}

const SPECS = [
  { name: "alpha", version: "1.0" },
  { name: "beta", version: "1.0" },
  { name: "gamma", version: "1.0" },
  { name: "delta", version: "1.0" },
];

function installedIn(venv: string): Record<string, string> {
  const out = execFileSync(
    join(venv, "bin", "python"),
    [
      "-c",
      "import json, importlib.metadata as m; print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
    ],
    { encoding: "utf8" },
  );
  return JSON.parse(out) as Record<string, string>;
}

describe("concurrent installs", () => {
  let w: World;
  let venv2: string;
  before(async () => {
    assertBuilt();
    w = await makeWorld(SPECS, "faults");
    venv2 = join(w.dir, "venv2");
    execFileSync(requirePythons(1, 8)[0]!.path, ["-m", "venv", "--without-pip", venv2]);
  });
  after(async () => {
    await w?.close();
    if (w) removeDir(w.dir);
  });

  test("two processes installing into different environments at once both finish and both record", async () => {
    const [a, b] = await Promise.all([
      cli(w, ["install", "alpha"]),
      cli(w, ["install", "beta", "--env", venv2]),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(installedIn(w.venv), { alpha: "1.0" });
    assert.deepEqual(installedIn(venv2), { beta: "1.0" });
    const h1 = JSON.parse((await ok(w, ["history", "--json"])).stdout) as Revisions;
    const h2 = JSON.parse((await ok(w, ["history", "--json", "--env", venv2])).stdout) as Revisions;
    assert.deepEqual(
      h1.revisions.map((r) => r.number),
      [1],
    );
    assert.deepEqual(
      h2.revisions.map((r) => r.number),
      [1],
    );
  });

  test("two processes installing into the same environment are serialised: both installed, no lost revision", async () => {
    const [a, b] = await Promise.all([cli(w, ["install", "gamma"]), cli(w, ["install", "delta"])]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(installedIn(w.venv), { alpha: "1.0", gamma: "1.0", delta: "1.0" });
    const h = JSON.parse((await ok(w, ["history", "--json"])).stdout) as Revisions;
    assert.deepEqual(
      h.revisions.map((r) => r.number),
      [3, 2, 1],
    );
    assert.deepEqual(
      h.revisions
        .slice(0, 2)
        .map((r) => /install (\w+)/.exec(r.command)![1])
        .sort(),
      ["delta", "gamma"],
    );
    // The later one saw the earlier one's result: its snapshot holds both packages.
    const status = JSON.parse((await ok(w, ["status", "--json"])).stdout) as {
      environments: { drift: { clean: boolean } }[];
    };
    assert.equal(status.environments[0]?.drift.clean, true);
  });
});

describe("Redis killed in the middle of an install", () => {
  let w: World;
  let redis: RedisServer;
  before(async () => {
    assertBuilt();
    w = await makeWorld(SPECS, "faults-redis");
    redis = await startRedisServer();
  });
  after(async () => {
    await redis?.stop();
    await w?.close();
    if (w) removeDir(w.dir);
  });

  test("a clear error, the environment unchanged or complete, and the next command works", async () => {
    const env = { OMNIPKG_KB: redis.url(0) };
    await ok(w, ["install", "gamma"], env);
    const wheelPath = new URL(w.server.fileUrl("alpha-1.0-py3-none-any.whl")).pathname;
    w.server.setBehaviour(wheelPath, { delayMs: 1500 });
    const seen = w.server.requests.length;
    const running = cli(w, ["install", "alpha"], env);
    const deadline = Date.now() + 20_000;
    while (!w.server.requests.slice(seen).some((q) => q.path === wheelPath) && Date.now() < deadline)
      await new Promise((done) => setTimeout(done, 20));
    await redis.kill();
    const r = await running;
    w.server.setBehaviour(wheelPath, undefined);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /knowledge base at redis:\/\/127\.0\.0\.1:\d+\/0 is unreachable/);
    assert.match(r.stderr, /nothing was half-written/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    const now = installedIn(w.venv);
    assert.equal(now.gamma, "1.0");
    if (now.alpha !== undefined) {
      // Complete if present: importable, with its RECORD.
      execFileSync(join(w.venv, "bin", "python"), ["-c", "import alpha; assert alpha.VERSION == '1.0'"]);
    }
    await redis.start();
    await ok(w, ["install", "beta"], env);
    const h = JSON.parse((await ok(w, ["history", "--json"], env)).stdout) as Revisions;
    assert.match(h.revisions[0]!.command, /install beta/);
    assert.equal(installedIn(w.venv).beta, "1.0");
  });
});
