import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { assertBuilt, BIN, cliEnv, removeDir } from "../python/cliHarness.ts";
import { snapshotTree } from "../install/envHelpers.ts";
import { isolatedEnv, makeWorld } from "./installFixtures.ts";

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

test("Ctrl-C mid-download: exit 130, one clear line, environment unchanged, no partial files", async () => {
  assertBuilt();
  const w = await makeWorld([{ name: "slow", version: "1.0" }], "interrupt");
  try {
    const wheel = "slow-1.0-py3-none-any.whl";
    // The server sends half the wheel and then waits: the download is in flight when we interrupt.
    w.server.setBehaviour(`/files/${wheel}`, { stallMs: 30_000 });
    const before = snapshotTree(w.venv);
    const child = spawn(
      process.execPath,
      [BIN, "install", "slow", "--index-url", w.server.indexUrl, "--env", w.venv],
      {
        env: cliEnv(w.home, isolatedEnv()),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
    const deadline = Date.now() + 20_000;
    while (!w.server.requests.some((r) => r.path.endsWith(wheel)) && Date.now() < deadline) await sleep(20);
    assert.ok(
      w.server.requests.some((r) => r.path.endsWith(wheel)),
      "the download started",
    );
    await sleep(200);
    child.kill("SIGINT");
    const code = await exited;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /Interrupted/);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
    assert.deepEqual(snapshotTree(w.venv), before);
    assert.deepEqual(filesUnder(join(w.home, "store", "files")), []);
    assert.deepEqual(filesUnder(join(w.home, "store", "tmp")), []);
    assert.deepEqual(filesUnder(join(w.home, "tmp", "downloads")), []);
  } finally {
    await w.close();
    removeDir(w.dir);
  }
});
