import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createIndexClient, OfflineCacheMiss } from "../../src/index/index.ts";
import { startIndexServer } from "../helpers/indexServer.ts";
import { demoProject, settingsFor, tempDir } from "./fixtures.ts";

async function fetchAll(indexUrl: string, cacheDir: string, offline = false): Promise<string[]> {
  const client = createIndexClient(settingsFor({ indexUrl, offline }, cacheDir));
  const page = await client.getProject("demo-pkg");
  const texts = [];
  for (const file of page.files) if (file.coreMetadata) texts.push(await client.fetchCoreMetadata(file));
  await client.close();
  return texts;
}

test("a warm run revalidates with If-None-Match and gets 304s: no full downloads", async () => {
  const server = await startIndexServer({ projects: [demoProject()] });
  using dir = tempDir();
  try {
    const cold = await fetchAll(server.indexUrl, dir.path);
    assert.deepEqual(
      server.requests.map((r) => r.status),
      [200, 200, 200],
    );
    server.requests.length = 0;
    const warm = await fetchAll(server.indexUrl, dir.path);
    assert.deepEqual(warm, cold);
    assert.deepEqual(
      server.requests.map((r) => r.status),
      [304, 304, 304],
    );
    assert.ok(server.requests.every((r) => typeof r.headers["if-none-match"] === "string"));
    assert.ok(server.requests.every((r) => typeof r.headers["if-modified-since"] === "string"));
  } finally {
    await server.close();
  }
});

test("fresh entries (Cache-Control max-age) are used without asking the server", async () => {
  const server = await startIndexServer({ projects: [demoProject()], cacheControl: "max-age=600, public" });
  using dir = tempDir();
  try {
    await fetchAll(server.indexUrl, dir.path);
    const cold = server.requests.length;
    await fetchAll(server.indexUrl, dir.path);
    assert.equal(server.requests.length, cold, "no request on a warm run within max-age");
  } finally {
    await server.close();
  }
});

test("no-store responses are never cached", async () => {
  const server = await startIndexServer({ projects: [demoProject()], cacheControl: "no-store" });
  using dir = tempDir();
  try {
    await fetchAll(server.indexUrl, dir.path);
    server.requests.length = 0;
    await fetchAll(server.indexUrl, dir.path);
    assert.ok(server.requests.every((r) => r.status === 200 && r.headers["if-none-match"] === undefined));
  } finally {
    await server.close();
  }
});

test("--offline answers from the cache, even stale, and fails clearly on a miss", async () => {
  const server = await startIndexServer({ projects: [demoProject()] });
  using dir = tempDir();
  try {
    const online = await fetchAll(server.indexUrl, dir.path);
    await server.close();
    const offline = await fetchAll(server.indexUrl, dir.path, true);
    assert.deepEqual(offline, online);
    const client = createIndexClient(settingsFor({ indexUrl: server.indexUrl, offline: true }, dir.path));
    await assert.rejects(client.getProject("other"), (e: unknown) => {
      assert.ok(e instanceof OfflineCacheMiss);
      assert.match(e.message, /Offline mode: .*\/simple\/other\/ is not in the cache/);
      assert.match(e.hint ?? "", /without --offline/);
      return true;
    });
    const page = await client.getProject("demo-pkg");
    await assert.rejects(client.download(page.files[0]!, dir.path), OfflineCacheMiss);
    await client.close();
  } finally {
    await server.close();
  }
});

test("offline lookups skip an index whose 404 was cached and find the project on the next one", async () => {
  const first = await startIndexServer({ projects: [], cacheControl: "max-age=0" });
  const second = await startIndexServer({ projects: [demoProject()] });
  using dir = tempDir();
  try {
    const flags = { extraIndexUrls: [first.indexUrl], indexUrl: second.indexUrl };
    const online = createIndexClient(settingsFor(flags, dir.path));
    assert.equal((await online.getProject("demo-pkg")).index, second.indexUrl);
    await online.close();
    const offline = createIndexClient(settingsFor({ ...flags, offline: true }, dir.path));
    assert.equal((await offline.getProject("demo-pkg")).index, second.indexUrl);
    await offline.close();
  } finally {
    await first.close();
    await second.close();
  }
});

test("an unwritable cache does not fail a lookup", async () => {
  const server = await startIndexServer({ projects: [demoProject()] });
  using dir = tempDir();
  try {
    const blocker = join(dir.path, "not-a-folder");
    writeFileSync(blocker, "a file where the cache folder should be");
    const texts = await fetchAll(server.indexUrl, join(blocker, "cache"));
    assert.equal(texts.length, 2);
  } finally {
    await server.close();
  }
});
