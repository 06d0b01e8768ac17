import assert from "node:assert/strict";
import { test } from "node:test";
import { loadIndexSettings } from "../../src/index/index.ts";
import { createIndexClient } from "../../src/index/index.ts";
import { startIndexServer, type ServedProject } from "../helpers/indexServer.ts";
import { settingsFor, tempDir } from "./fixtures.ts";

/**
 * `--index-strategy`: first-index (the default) lets the first index that has a project supply
 * all of it; unsafe-best-match merges every index, the earlier index winning a file both list.
 */

function project(versions: string[], tag: string, extra: string[] = []): ServedProject {
  return {
    project: "shared",
    files: [
      ...versions.map((v) => ({ filename: `shared-${v}-py3-none-any.whl`, bytes: `${tag} ${v}` })),
      ...extra.map((filename) => ({ filename, bytes: `${tag} ${filename}` })),
    ],
  };
}

test("first-index stops at the mirror; unsafe-best-match merges, the mirror's file winning a shared file name", async () => {
  const mirror = await startIndexServer({ projects: [project(["1.0", "2.0"], "mirror")] });
  const upstream = await startIndexServer({
    projects: [
      project(["1.0", "2.0", "3.0"], "upstream", ["shared-2.0.tar.gz"]),
      { project: "only-up", files: [{ filename: "only_up-1.0-py3-none-any.whl", bytes: "x" }] },
    ],
  });
  using dir = tempDir();
  try {
    const flags = { indexUrl: upstream.indexUrl, extraIndexUrls: [mirror.indexUrl] };
    const first = createIndexClient(settingsFor(flags, `${dir.path}/a`));
    const firstPage = await first.getProject("shared");
    await first.close();
    assert.deepEqual(
      firstPage.files.map((f) => f.filename),
      ["shared-1.0-py3-none-any.whl", "shared-2.0-py3-none-any.whl"],
    );
    assert.ok(
      !upstream.requests.some((r) => r.path.includes("/shared/")),
      "first-index never asks the later index",
    );

    const merged = createIndexClient(
      settingsFor({ ...flags, indexStrategy: "unsafe-best-match" }, `${dir.path}/b`),
    );
    const page = await merged.getProject("shared");
    const onlyUp = await merged.getProject("only-up");
    await merged.close();
    assert.deepEqual(
      page.files.map((f) => [f.filename, f.index.startsWith(mirror.origin) ? "mirror" : "upstream"]),
      [
        ["shared-1.0-py3-none-any.whl", "mirror"],
        ["shared-2.0-py3-none-any.whl", "mirror"],
        ["shared-3.0-py3-none-any.whl", "upstream"],
        ["shared-2.0.tar.gz", "upstream"],
      ],
      "a file only the later index has joins a version the mirror also lists",
    );
    assert.ok(
      page.files.filter((f) => f.filename === "shared-1.0-py3-none-any.whl").length === 1,
      "a file name both list appears once",
    );
    assert.equal(onlyUp.files.length, 1, "a project only the later index has is found under both strategies");
  } finally {
    await mirror.close();
    await upstream.close();
  }
});

test("the strategy comes from UV_INDEX_STRATEGY, OMNIPKG_INDEX_STRATEGY and the flag, later winning; a bad value is named", () => {
  using dir = tempDir();
  const base = { homeDir: dir.path, systemConfigDir: dir.path, cacheDir: dir.path };
  assert.equal(loadIndexSettings({ ...base, env: {} }).indexStrategy.value, "first-index");
  const fromUv = loadIndexSettings({ ...base, env: { UV_INDEX_STRATEGY: "unsafe-best-match" } });
  assert.deepEqual(fromUv.indexStrategy, { value: "unsafe-best-match", source: "UV_INDEX_STRATEGY" });
  const fromOurs = loadIndexSettings({
    ...base,
    env: { UV_INDEX_STRATEGY: "unsafe-best-match", OMNIPKG_INDEX_STRATEGY: "first-index" },
  });
  assert.deepEqual(fromOurs.indexStrategy, { value: "first-index", source: "OMNIPKG_INDEX_STRATEGY" });
  const fromFlag = loadIndexSettings({
    ...base,
    env: { OMNIPKG_INDEX_STRATEGY: "first-index" },
    flags: { indexStrategy: "unsafe-best-match" },
  });
  assert.equal(fromFlag.indexStrategy.source, "--index-strategy");
  assert.throws(
    () => loadIndexSettings({ ...base, env: { UV_INDEX_STRATEGY: "best" } }),
    (e: Error) => /index strategy "best" from UV_INDEX_STRATEGY/.test(e.message),
  );
});
