import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assertBuilt, removeDir } from "../python/cliHarness.ts";
import { makeWorld, type World } from "./installFixtures.ts";

/**
 * Found by the stress test: `install top==1.0 top==2.0` into an empty main put main's new
 * dependencies into the bubble too (the bubble was split against main as it was before the
 * command), so one version of a distribution lived in two places and the loader treated a
 * compiled one as a conflict. The bubble must take from main what this same command puts there.
 */

let w: World;
before(async () => {
  assertBuilt();
  w = await makeWorld(
    [
      { name: "top", version: "1.0", requires: ["shared"] },
      { name: "top", version: "2.0", requires: ["shared", "newdep"] },
      { name: "shared", version: "1.0" },
      { name: "newdep", version: "1.0" },
    ],
    "bubble-split",
  );
});
after(async () => {
  await w.close();
  removeDir(w.dir);
});

test("one command, two versions, empty main: the bubble takes what main gets from main", async () => {
  const r = await w.cli(["install", "top==1.0", "top==2.0"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(w.installed(), { top: "1.0", shared: "1.0" });
  const manifest = JSON.parse(
    readFileSync(join(w.venv, "bubbles", "top-2.0", ".omnipkg-bubble.json"), "utf8"),
  );
  const where = Object.fromEntries(
    manifest.dists.map((d: { name: string; location: string; top_level: string[] }) => [
      d.name,
      `${d.location} ${d.top_level.join(",")}`,
    ]),
  );
  assert.deepEqual(where, { top: "bubble top", newdep: "bubble newdep", shared: "main shared" });
  const out = execFileSync(
    w.python,
    [
      "-c",
      "import omnipkg, importlib.metadata as m\nwith omnipkg.loader('top==2.0'):\n    import top, shared, newdep\n    print(top.VERSION, shared.__file__.split('/')[-3], m.version('newdep'))",
    ],
    { encoding: "utf8" },
  );
  assert.equal(out.trim(), "2.0 site-packages 1.0", "shared comes from main's site-packages");
});
