import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { createIndexClient, loadIndexSettings, orderedIndexes } from "../../src/index/index.ts";
import { settingsFor, tempDir } from "./fixtures.ts";

/**
 * The machine's own pip configuration may point at local file:// mirrors (PEP 503 folders of
 * index.html). This reads pip's real configuration, picks the first file:// index and reads a
 * project from it end to end. It never asks a network index.
 */
test("the file:// mirror from this machine's pip configuration is readable", async (t) => {
  const machine = loadIndexSettings({ cacheDir: join(process.cwd(), ".unused-cache") });
  const mirror = orderedIndexes(machine).find((url) => url.startsWith("file:"));
  if (!mirror) {
    t.skip("pip's configuration names no file:// index on this machine");
    return;
  }
  const root = fileURLToPath(mirror);
  const project = readdirSync(root, { withFileTypes: true }).find((d) => d.isDirectory())?.name;
  assert.ok(project, `${root} holds no project folders`);
  using dir = tempDir();
  const client = createIndexClient(settingsFor({ indexUrl: mirror }, join(dir.path, "cache")));
  const page = await client.getProject(project);
  assert.equal(page.index, mirror);
  assert.ok(page.files.length > 0, `${project} lists no files`);
  const smallest = [...page.files].sort((a, b) => {
    const size = (url: string) => statSync(fileURLToPath(url)).size;
    return size(a.url) - size(b.url);
  })[0]!;
  const result = await client.download(smallest, join(dir.path, "out"));
  const expected = smallest.hashes.sha256;
  if (expected) assert.equal(result.sha256, expected);
  assert.equal(result.sha256, createHash("sha256").update(readFileSync(result.path)).digest("hex"));
  await client.close();
});
