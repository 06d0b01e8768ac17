import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeTempDir, prepareCli, removeDir, runCli } from "../python/cliHarness.ts";

/**
 * `omnipkg cache status|clean` on a home whose caches hold files: sizes per folder, and a clean
 * that empties exactly the cache folders (the store and the probe copies stay).
 */

let dir: string;
let home: string;

before(() => {
  prepareCli();
  dir = makeTempDir("cli-cache");
  home = join(dir, "home");
  for (const [folder, files] of [
    ["pages", 3],
    ["resolutions", 1],
    ["http", 2],
    ["probes", 1],
  ] as const) {
    mkdirSync(join(home, "cache", folder), { recursive: true });
    for (let i = 0; i < files; i++) writeFileSync(join(home, "cache", folder, `e${i}.json`), "x".repeat(100));
  }
  mkdirSync(join(home, "store", "wheels"), { recursive: true });
  writeFileSync(join(home, "store", "wheels", "kept.json"), "{}");
});
after(() => removeDir(dir));

const cli = (args: string[]) => runCli(args, { home });

describe("omnipkg cache", () => {
  it("status gives files and bytes per folder", () => {
    const r = cli(["cache", "status", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const byName = Object.fromEntries(
      (JSON.parse(r.stdout).folders as { name: string; files: number; bytes: number }[]).map((f) => [
        f.name,
        f,
      ]),
    );
    assert.deepEqual(
      [
        byName.pages!.files,
        byName.pages!.bytes,
        byName.resolutions!.files,
        byName.http!.files,
        byName.candidates!.files,
      ],
      [3, 300, 1, 2, 0],
    );
    assert.equal(byName.probes, undefined, "the probe copies are not a cache to clean");
  });

  it("clean removes the cache entries and nothing else", () => {
    const r = cli(["cache", "clean"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Removed 6 cache file\(s\)/);
    for (const folder of ["pages", "resolutions", "http"])
      assert.ok(!existsSync(join(home, "cache", folder)));
    assert.deepEqual(readdirSync(join(home, "cache")).sort(), ["probes"]);
    assert.ok(existsSync(join(home, "store", "wheels", "kept.json")));
    const again = cli(["cache", "clean", "--json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).removedFiles, 0);
  });

  it("an unknown subcommand is a usage error", () => {
    assert.equal(cli(["cache", "purge"]).code, 2);
  });
});
