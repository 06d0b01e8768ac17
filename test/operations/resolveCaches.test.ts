import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileIndex } from "../helpers/indexServer.ts";
import { assertBuilt, removeDir } from "../python/cliHarness.ts";
import { buildProjects, makeWorld, type PackageSpec, type World } from "./installFixtures.ts";
import { freshVenv, installedIn } from "./engineHelpers.ts";

/**
 * The resolution caches under the home (parsed pages, wheel facts, memoised resolutions), end to
 * end through the real CLI: a warm install gives what a cold one gives, and a changed index (a page
 * file edited on disk, an HTTP page that changed behind a stale cache entry) or damaged cache files
 * give the new, correct answer.
 */

describe("resolution caches", () => {
  let w: World;
  const specs: PackageSpec[] = [
    { name: "app", version: "1.0", requires: ["lib>=1", 'helper; extra == "more"'] },
    { name: "lib", version: "1.0" },
    { name: "helper", version: "1.0" },
  ];
  const mirror = () => join(w.dir, "mirror");
  const publish = (more: PackageSpec[]): string => {
    const projects = buildProjects(`${w.dir}/wheels`, [...specs, ...more]);
    w.server.setProjects(projects);
    return writeFileIndex(mirror(), projects);
  };
  const install = async (indexUrl: string, what = "app[more]") => {
    const venv = freshVenv(w);
    const r = await w.cli(["install", what, "--env", venv, "--index-url", indexUrl]);
    assert.equal(r.code, 0, r.stderr);
    return installedIn(venv);
  };
  const cacheFiles = (sub: string): string[] => {
    try {
      return readdirSync(join(w.home, "cache", sub)).map((n) => join(w.home, "cache", sub, n));
    } catch {
      return [];
    }
  };

  before(async () => {
    assertBuilt();
    w = await makeWorld([], "resolve-caches");
  });
  after(async () => {
    await w?.close();
    if (w) removeDir(w.dir);
  });

  test("file:// index: warm equals cold; an edited page file gives the new version", async () => {
    const fileIndex = publish([]);
    const cold = await install(fileIndex);
    assert.deepEqual(cold, { app: "1.0", lib: "1.0", helper: "1.0" });
    assert.ok(cacheFiles("pages").length > 0 && cacheFiles("wheel-facts").length === 3);
    const [stored] = cacheFiles("resolutions");
    assert.ok(stored !== undefined && cacheFiles("resolutions").length === 1);
    const written = statSync(stored).mtimeMs;
    assert.deepEqual(await install(fileIndex), cold);
    assert.equal(statSync(stored).mtimeMs, written, "the warm run replayed the stored resolution");
    publish([{ name: "lib", version: "2.0" }]);
    assert.deepEqual(await install(fileIndex), { app: "1.0", lib: "2.0", helper: "1.0" });
  });

  test("damaged cache files are ignored", async () => {
    const fileIndex = publish([{ name: "lib", version: "2.0" }]);
    await install(fileIndex);
    const files = [...cacheFiles("pages"), ...cacheFiles("wheel-facts"), ...cacheFiles("resolutions")];
    assert.ok(files.length > 0);
    for (const file of files) writeFileSync(file, "not what it was");
    assert.deepEqual(await install(fileIndex), { app: "1.0", lib: "2.0", helper: "1.0" });
  });

  test("HTTP index: a stale page is revalidated and a new release is seen", async () => {
    publish([]);
    assert.deepEqual(await install(w.server.indexUrl), { app: "1.0", lib: "1.0", helper: "1.0" });
    assert.deepEqual(await install(w.server.indexUrl), { app: "1.0", lib: "1.0", helper: "1.0" });
    publish([{ name: "lib", version: "3.0" }]);
    const from = w.server.requests.length;
    assert.deepEqual(await install(w.server.indexUrl), { app: "1.0", lib: "3.0", helper: "1.0" });
    assert.ok(
      w.server.requests.slice(from).some((q) => q.path === "/simple/lib/" && q.status === 200),
      "the changed page was fetched again",
    );
  });
});
