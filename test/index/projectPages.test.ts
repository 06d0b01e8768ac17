import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { createIndexClient, IndexApiUnsupported, ProjectNotFound } from "../../src/index/index.ts";
import { sha256Hex, startIndexServer, writeFileIndex } from "../helpers/indexServer.ts";
import { demoProject, METADATA_1, settingsFor, tempDir } from "./fixtures.ts";

test("both API flavours give the same files; negotiation asks for JSON first and follows the answer", async () => {
  const server = await startIndexServer({ projects: [demoProject()] });
  using dir = tempDir();
  try {
    const results = [];
    for (const indexUrl of [server.indexUrl, server.htmlIndexUrl, server.jsonIndexUrl]) {
      const client = createIndexClient(settingsFor({ indexUrl }, join(dir.path, indexUrl.split("/")[3]!)));
      results.push(await client.getProject("demo.pkg"));
      await client.close();
    }
    const [negotiated, html, json] = results;
    assert.equal(negotiated!.apiVersion, "1.1");
    assert.deepEqual(
      negotiated!.versions,
      ["1.0", "2.0"],
      "negotiation picked JSON, which has PEP 700 versions",
    );
    assert.equal(html!.versions, undefined);
    assert.equal(json!.name, "demo-pkg");
    const accept = String(server.requests.find((r) => r.path === "/simple/demo-pkg/")!.headers.accept);
    assert.match(accept, /^application\/vnd\.pypi\.simple\.v1\+json/);
    assert.match(accept, /text\/html;q=0\.01/);
    for (const page of [html!, json!]) {
      assert.deepEqual(
        page.files.map((f) => f.filename),
        ["demo_pkg-1.0-py3-none-any.whl", "demo_pkg-2.0-py3-none-any.whl", "demo_pkg-2.0.tar.gz"],
      );
      const [one, two, sdist] = page.files;
      assert.equal(one!.url, server.fileUrl("demo_pkg-1.0-py3-none-any.whl"));
      assert.equal(one!.hashes.sha256, sha256Hex("wheel one bytes"));
      assert.equal(one!.uploadTime, "2024-01-02T03:04:05.000000Z");
      assert.equal(one!.yanked, false);
      assert.deepEqual(one!.coreMetadata, {
        hashes: { sha256: sha256Hex(METADATA_1.replace("demo", "demo-pkg")) },
      });
      assert.equal(two!.requiresPython, ">=3.8,<4");
      assert.equal(two!.yanked, "broken build");
      assert.equal(sdist!.yanked, true);
      assert.equal(sdist!.coreMetadata, false);
      assert.ok(page.files.every((f) => f.index.startsWith(server.origin)));
    }
    assert.equal(json!.files[0]!.size, "wheel one bytes".length);
    assert.equal(html!.files[0]!.size, undefined);
  } finally {
    await server.close();
  }
});

test("a client answers repeated lookups of one project (any spelling) and its metadata from memory", async () => {
  const server = await startIndexServer({ projects: [demoProject()] });
  using dir = tempDir();
  try {
    const client = createIndexClient(settingsFor({ indexUrl: server.indexUrl }, dir.path));
    const [a, b] = await Promise.all([client.getProject("demo-pkg"), client.getProject("Demo.Pkg")]);
    assert.equal(a, b);
    await client.fetchCoreMetadata(a.files[0]!);
    await client.fetchCoreMetadata((await client.getProject("DEMO_PKG")).files[0]!);
    assert.equal(server.requests.length, 2);
    await client.close();
  } finally {
    await server.close();
  }
});

test("relative links resolve against the final URL after a redirect", async () => {
  const server = await startIndexServer({
    projects: [demoProject()],
    behaviours: { "/old/demo-pkg/": { redirectTo: "/html/simple/demo-pkg/" } },
  });
  using dir = tempDir();
  try {
    const client = createIndexClient(settingsFor({ indexUrl: `${server.origin}/old` }, dir.path));
    const page = await client.getProject("demo-pkg");
    assert.equal(page.files[0]!.url, server.fileUrl("demo_pkg-1.0-py3-none-any.whl"));
    assert.deepEqual(
      server.requests.map((r) => [r.path, r.status]),
      [
        ["/old/demo-pkg/", 302],
        ["/html/simple/demo-pkg/", 200],
      ],
    );
    await client.close();
  } finally {
    await server.close();
  }
});

test("first index that has the name wins; later indexes are not asked; not-found lists what was tried", async () => {
  const privateIndex = await startIndexServer({
    projects: [
      { project: "corp-lib", files: [{ filename: "corp_lib-1.0-py3-none-any.whl", bytes: "private" }] },
    ],
  });
  const publicIndex = await startIndexServer({
    projects: [
      { project: "corp-lib", files: [{ filename: "corp_lib-99.0-py3-none-any.whl", bytes: "evil" }] },
      { project: "requests", files: [{ filename: "requests-2.0-py3-none-any.whl", bytes: "pub" }] },
    ],
  });
  using dir = tempDir();
  try {
    const client = createIndexClient(
      settingsFor({ indexUrl: publicIndex.indexUrl, extraIndexUrls: [privateIndex.indexUrl] }, dir.path),
    );
    assert.deepEqual(client.indexes, [privateIndex.indexUrl, publicIndex.indexUrl]);
    const corp = await client.getProject("corp-lib");
    assert.deepEqual(
      corp.files.map((f) => f.filename),
      ["corp_lib-1.0-py3-none-any.whl"],
    );
    assert.equal(corp.index, privateIndex.indexUrl);
    assert.equal(publicIndex.requests.filter((r) => r.path === "/simple/corp-lib/").length, 0);
    const requests = await client.getProject("Requests");
    assert.equal(requests.index, publicIndex.indexUrl);
    await assert.rejects(client.getProject("missing"), (e: unknown) => {
      assert.ok(e instanceof ProjectNotFound);
      assert.deepEqual(e.triedLocations, [privateIndex.indexUrl, publicIndex.indexUrl]);
      assert.match(e.message, /"missing"/);
      return true;
    });
    await client.close();
  } finally {
    await privateIndex.close();
    await publicIndex.close();
  }
});

test("find-links folders and flat pages add files alongside the index; --no-index uses only them", async () => {
  using dir = tempDir();
  const folder = join(dir.path, "wheels");
  mkdirSync(folder);
  writeFileSync(join(folder, "demo_pkg-3.0-py3-none-any.whl"), "local wheel");
  writeFileSync(join(folder, "python-dateutil-2.8.2.tar.gz"), "legacy sdist");
  writeFileSync(join(folder, "demo_pkg_extra-1.0-py3-none-any.whl"), "another project");
  writeFileSync(join(folder, "notes.txt"), "not a distribution");
  const flat = join(dir.path, "flat.html");
  writeFileSync(
    flat,
    `<a href="wheels/demo_pkg-3.0-py3-none-any.whl#sha256=${sha256Hex("local wheel")}">w</a>`,
  );
  const server = await startIndexServer({ projects: [demoProject()] });
  const warnings: string[] = [];
  try {
    const client = createIndexClient(
      settingsFor({ indexUrl: server.indexUrl, findLinks: [folder, join(dir.path, "absent")] }, dir.path),
      { onWarning: (m) => warnings.push(m) },
    );
    const page = await client.getProject("demo-pkg");
    assert.equal(page.files.length, 4);
    assert.equal(page.files[3]!.filename, "demo_pkg-3.0-py3-none-any.whl");
    assert.equal(page.files[3]!.url, pathToFileURL(join(folder, "demo_pkg-3.0-py3-none-any.whl")).toString());
    assert.equal(page.files[3]!.index, folder);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /absent.*does not exist/);
    await client.close();

    const offlineOnly = createIndexClient(
      settingsFor({ noIndex: true, findLinks: [flat, folder] }, dir.path),
    );
    assert.deepEqual(offlineOnly.indexes, []);
    const local = await offlineOnly.getProject("demo-pkg");
    assert.equal(local.files[0]!.hashes.sha256, sha256Hex("local wheel"), "the flat page gave the hash");
    assert.equal(local.files.length, 1, "the same URL from the folder is not listed twice");
    const dateutil = await offlineOnly.getProject("python_dateutil");
    assert.deepEqual(
      dateutil.files.map((f) => f.filename),
      ["python-dateutil-2.8.2.tar.gz"],
    );
    await assert.rejects(offlineOnly.getProject("demo-pkg-missing"), ProjectNotFound);
  } finally {
    await server.close();
  }
});

test("a file:// index is read from folders of index.html, and its files download", async () => {
  using dir = tempDir();
  const indexUrl = writeFileIndex(join(dir.path, "mirror"), [demoProject()]);
  const client = createIndexClient(settingsFor({ indexUrl }, join(dir.path, "cache")));
  const page = await client.getProject("DEMO_PKG");
  assert.equal(page.files.length, 3);
  assert.equal(
    page.files[0]!.url,
    pathToFileURL(join(dir.path, "mirror/files/demo_pkg-1.0-py3-none-any.whl")).href,
  );
  assert.equal(page.files[1]!.requiresPython, ">=3.8,<4");
  assert.equal(await client.fetchCoreMetadata(page.files[0]!), METADATA_1.replace("demo", "demo-pkg"));
  const result = await client.download(page.files[0]!, join(dir.path, "out"));
  assert.equal(result.sha256, sha256Hex("wheel one bytes"));
  await assert.rejects(client.getProject("nope"), ProjectNotFound);
  await client.close();
});

test("PEP 629 over the wire: a newer minor warns once, a newer major fails clearly", async () => {
  const minor = await startIndexServer({
    projects: [demoProject(), { ...demoProject(), project: "other" }],
    apiVersion: "1.7",
  });
  const major = await startIndexServer({ projects: [demoProject()], apiVersion: "2.0", flavour: "html" });
  using dir = tempDir();
  const warnings: string[] = [];
  try {
    const client = createIndexClient(settingsFor({ indexUrl: minor.indexUrl }, join(dir.path, "a")), {
      onWarning: (m) => warnings.push(m),
    });
    await client.getProject("demo-pkg");
    await client.getProject("other");
    assert.equal(minor.requests.length, 2);
    assert.equal(warnings.length, 1, "one warning per index");
    assert.match(warnings[0]!, /1\.7/);
    const strict = createIndexClient(settingsFor({ indexUrl: major.indexUrl }, join(dir.path, "b")));
    await assert.rejects(strict.getProject("demo-pkg"), (e: unknown) => {
      assert.ok(e instanceof IndexApiUnsupported);
      assert.match(e.message, new RegExp(`${major.origin}/simple/demo-pkg/.*2\\.0`));
      return true;
    });
    await client.close();
    await strict.close();
  } finally {
    await minor.close();
    await major.close();
  }
});

test("the legacy data-dist-info-metadata attribute still offers metadata files", async () => {
  const server = await startIndexServer({ projects: [demoProject()], legacyMetadataAttribute: true });
  using dir = tempDir();
  try {
    for (const indexUrl of [server.htmlIndexUrl, server.jsonIndexUrl]) {
      const client = createIndexClient(settingsFor({ indexUrl }, join(dir.path, indexUrl.slice(-11, -7))));
      const page = await client.getProject("demo-pkg");
      assert.equal(await client.fetchCoreMetadata(page.files[0]!), METADATA_1.replace("demo", "demo-pkg"));
      await client.close();
    }
  } finally {
    await server.close();
  }
});

test("an invalid project name is refused before any request", async () => {
  const server = await startIndexServer({ projects: [demoProject()] });
  using dir = tempDir();
  try {
    const client = createIndexClient(settingsFor({ indexUrl: server.indexUrl }, dir.path));
    for (const bad of ["../etc", "a/b", "", "-x"]) {
      await assert.rejects(client.getProject(bad), /Invalid project name/);
    }
    assert.equal(server.requests.length, 0);
    await client.close();
  } finally {
    await server.close();
  }
});
