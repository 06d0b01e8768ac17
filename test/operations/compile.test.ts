import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { assertBuilt, removeDir } from "../python/cliHarness.ts";
import { makeWorld } from "./installFixtures.ts";

test("--compile leaves bytecode beside every installed module; without it none is written", async () => {
  assertBuilt();
  const w = await makeWorld(
    [
      { name: "plain", version: "1.0" },
      { name: "compiled", version: "1.0" },
    ],
    "compile",
  );
  try {
    const site = join(w.venv, "lib", readdirSync(join(w.venv, "lib"))[0]!, "site-packages");
    assert.equal((await w.cli(["install", "plain"])).code, 0);
    assert.equal(existsSync(join(site, "plain", "__pycache__")), false);
    const r = await w.cli(["install", "compiled", "--compile"]);
    assert.equal(r.code, 0, r.stderr);
    const cache = join(site, "compiled", "__pycache__");
    assert.ok(existsSync(cache), "compiled/__pycache__ exists");
    assert.ok(readdirSync(cache).some((f) => f.startsWith("__init__.") && f.endsWith(".pyc")));
  } finally {
    await w.close();
    removeDir(w.dir);
  }
});
