/**
 * The parsed-page cache (src/index/pageCache.ts) memoises parsing by the page's bytes: it must give
 * exactly what parsing gives, follow every change of a page, and shrug off damaged entries.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { createIndexClient, readCacheFile, writeCacheFile, type ProjectPage } from "../../src/index/index.ts";
import { startIndexServer, writeFileIndex } from "../helpers/indexServer.ts";
import { demoProject, settingsFor, tempDir } from "./fixtures.ts";

async function getPage(indexUrl: string, httpCache: string, pageCacheDir?: string): Promise<ProjectPage> {
  const client = createIndexClient(
    settingsFor({ indexUrl }, httpCache),
    pageCacheDir ? { pageCacheDir } : {},
  );
  try {
    return await client.getProject("demo-pkg");
  } finally {
    await client.close();
  }
}

function entries(dir: string): string[] {
  return readdirSync(dir).map((name) => join(dir, name));
}

test("a page from the cache is identical to a freshly parsed one (HTML and JSON, HTTP and file://)", async () => {
  const server = await startIndexServer({ projects: [demoProject()] });
  using dir = tempDir();
  try {
    const fileIndex = writeFileIndex(join(dir.path, "mirror"), [demoProject()]);
    for (const [i, indexUrl] of [server.htmlIndexUrl, server.jsonIndexUrl, fileIndex].entries()) {
      const pages = join(dir.path, `pages-${i}`);
      const plain = await getPage(indexUrl, join(dir.path, `http-plain-${i}`));
      const cold = await getPage(indexUrl, join(dir.path, `http-${i}`), pages);
      assert.equal(entries(pages).length, 1, "the cold run stored the parsed page");
      const warm = await getPage(indexUrl, join(dir.path, `http-${i}`), pages);
      assert.deepStrictEqual(cold, plain);
      assert.deepStrictEqual(warm, plain, indexUrl);
    }
  } finally {
    await server.close();
  }
});

test("a stored entry answers for the same bytes (the cache is really used)", async () => {
  using dir = tempDir();
  const fileIndex = writeFileIndex(join(dir.path, "mirror"), [demoProject()]);
  const pages = join(dir.path, "pages");
  await getPage(fileIndex, join(dir.path, "http"), pages);
  const [entry] = entries(pages);
  const stored = readCacheFile(entry!) as { key: string; page: { files: { filename: string }[] } };
  stored.page.files = stored.page.files.slice(0, 1);
  writeCacheFile(entry!, stored);
  const warm = await getPage(fileIndex, join(dir.path, "http"), pages);
  assert.deepEqual(
    warm.files.map((f) => f.filename),
    ["demo_pkg-1.0-py3-none-any.whl"],
  );
});

test("a page file changed on disk is parsed again, even at the same size and mtime", async () => {
  using dir = tempDir();
  const fileIndex = writeFileIndex(join(dir.path, "mirror"), [demoProject()]);
  const pages = join(dir.path, "pages");
  const before = await getPage(fileIndex, join(dir.path, "http"), pages);
  const pagePath = join(fileURLToPath(fileIndex), "demo-pkg", "index.html");
  const { atime, mtime, size } = statSync(pagePath);
  const html = readFileSync(pagePath, "utf8");
  assert.ok(html.includes(">demo_pkg-2.0.tar.gz<"));
  writeFileSync(pagePath, html.replace("demo_pkg-2.0.tar.gz", "demo_pkg-2.1.tar.gz"));
  utimesSync(pagePath, atime, mtime);
  assert.equal(statSync(pagePath).size, size);
  const after = await getPage(fileIndex, join(dir.path, "http"), pages);
  assert.deepEqual(before.files.map((f) => f.filename).at(-1), "demo_pkg-2.0.tar.gz");
  assert.deepEqual(after.files.map((f) => f.filename).at(-1), "demo_pkg-2.1.tar.gz");
  assert.deepStrictEqual(after, await getPage(fileIndex, join(dir.path, "http-plain")));
});

test("damaged cache entries are ignored and replaced", async () => {
  using dir = tempDir();
  const fileIndex = writeFileIndex(join(dir.path, "mirror"), [demoProject()]);
  const pages = join(dir.path, "pages");
  const plain = await getPage(fileIndex, join(dir.path, "http-plain"));
  await getPage(fileIndex, join(dir.path, "http"), pages);
  const [entry] = entries(pages);
  const good = readFileSync(entry!, "utf8");
  const damages = [
    "",
    "not a cache file",
    good.slice(0, good.length - 10),
    good.replace('"demo_pkg-1.0', '"demo_pkg-9.0'), // checksum no longer matches
    // A valid checksum over a value of the wrong shape.
    null,
  ];
  for (const damage of damages) {
    if (damage === null) writeCacheFile(entry!, { key: "other", page: { files: 3 } });
    else writeFileSync(entry!, damage);
    assert.deepStrictEqual(await getPage(fileIndex, join(dir.path, "http"), pages), plain);
    assert.equal(readFileSync(entry!, "utf8"), good, "the entry was rewritten");
  }
});

test("a stale HTTP page is revalidated first: a changed page is never served from the parsed cache", async () => {
  // The server's default is `max-age=0, must-revalidate`: every warm run asks again.
  const server = await startIndexServer({ projects: [demoProject()] });
  using dir = tempDir();
  const pages = join(dir.path, "pages");
  try {
    const http = join(dir.path, "http");
    const first = await getPage(server.htmlIndexUrl, http, pages);
    server.requests.length = 0;
    const again = await getPage(server.htmlIndexUrl, http, pages);
    assert.deepStrictEqual(again, first);
    assert.deepEqual(
      server.requests.map((r) => [r.path, r.status]),
      [["/html/simple/demo-pkg/", 304]],
    );
    const changed = demoProject();
    changed.files.push({ filename: "demo_pkg-3.0-py3-none-any.whl", bytes: "three" });
    server.setProjects([changed]);
    server.requests.length = 0;
    const after = await getPage(server.htmlIndexUrl, http, pages);
    assert.deepEqual(
      server.requests.map((r) => [r.path, r.status]),
      [["/html/simple/demo-pkg/", 200]],
    );
    assert.equal(after.files.length, first.files.length + 1);
    assert.ok(after.files.some((f) => f.filename === "demo_pkg-3.0-py3-none-any.whl"));
  } finally {
    await server.close();
  }
});

test("readCacheFile: a missing, damaged or foreign file is undefined, never an error", () => {
  using dir = tempDir();
  const path = join(dir.path, "sub", "entry.json");
  assert.equal(readCacheFile(path), undefined);
  writeCacheFile(path, { a: [1, "two"] });
  assert.deepEqual(readCacheFile(path), { a: [1, "two"] });
  writeFileSync(path, '{"a": 1}');
  assert.equal(readCacheFile(path), undefined);
  writeFileSync(path, `${"0".repeat(64)}\n{"a": 1}`);
  assert.equal(readCacheFile(path), undefined);
  // An unwritable place is not an error either.
  writeCacheFile(join(path, "below-a-file.json"), { a: 1 });
  assert.deepEqual(readdirSync(join(dir.path, "sub")), ["entry.json"], "no temp file left behind");
});
