import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  createIndexClient,
  HashMismatch,
  IndexPageInvalid,
  IndexUnreachable,
} from "../../src/index/index.ts";
import { startIndexServer } from "../helpers/indexServer.ts";
import { demoProject, settingsFor, tempDir } from "./fixtures.ts";

test("503 answers are retried with back-off, then the page is served", async () => {
  const server = await startIndexServer({
    projects: [demoProject()],
    behaviours: { "/simple/demo-pkg/": { failTimes: 2 } },
  });
  using dir = tempDir();
  try {
    const client = createIndexClient(settingsFor({ indexUrl: server.indexUrl, retries: 3 }, dir.path), {
      retryBaseMs: 5,
    });
    const page = await client.getProject("demo-pkg");
    assert.equal(page.files.length, 3);
    assert.deepEqual(
      server.requests.map((r) => r.status),
      [503, 503, 200],
    );
    await client.close();
  } finally {
    await server.close();
  }
});

test("503 beyond the retry budget is a clear error saying how many attempts were made", async () => {
  const server = await startIndexServer({
    projects: [demoProject()],
    behaviours: { "/simple/demo-pkg/": { failTimes: 10 } },
  });
  using dir = tempDir();
  try {
    const client = createIndexClient(settingsFor({ indexUrl: server.indexUrl, retries: 1 }, dir.path), {
      retryBaseMs: 5,
    });
    await assert.rejects(client.getProject("demo-pkg"), (e: unknown) => {
      assert.ok(e instanceof IndexUnreachable);
      assert.equal(e.status, 503);
      assert.match(e.message, /HTTP 503, after 2 attempt/);
      assert.match(e.message, new RegExp(`${server.origin}/simple/demo-pkg/`));
      return true;
    });
    assert.equal(server.requests.length, 2);
    await client.close();
  } finally {
    await server.close();
  }
});

test("a connection reset is retried", async () => {
  const server = await startIndexServer({
    projects: [demoProject()],
    behaviours: { "/simple/demo-pkg/": { resetTimes: 1 } },
  });
  using dir = tempDir();
  try {
    const client = createIndexClient(settingsFor({ indexUrl: server.indexUrl, retries: 2 }, dir.path), {
      retryBaseMs: 5,
    });
    const page = await client.getProject("demo-pkg");
    assert.equal(page.files.length, 3);
    assert.deepEqual(
      server.requests.map((r) => r.status),
      [-1, 200],
    );
    await client.close();
  } finally {
    await server.close();
  }
});

test("a slow response times out with an error naming the URL and the timeout", async () => {
  const server = await startIndexServer({
    projects: [demoProject()],
    behaviours: { "/simple/demo-pkg/": { delayMs: 1500 } },
  });
  using dir = tempDir();
  try {
    const client = createIndexClient(
      settingsFor({ indexUrl: server.indexUrl, retries: 0, timeoutSec: 0.3 }, dir.path),
    );
    const started = Date.now();
    await assert.rejects(client.getProject("demo-pkg"), (e: unknown) => {
      assert.ok(e instanceof IndexUnreachable);
      assert.match(e.message, /no data for 0\.3s \(timed out\)/);
      assert.match(e.message, new RegExp(`${server.origin}/simple/demo-pkg/`));
      return true;
    });
    assert.ok(Date.now() - started < 1400, "the client gave up before the server answered");
    await client.close();
  } finally {
    await server.close();
  }
});

test("a body that stalls mid-way times out too (inactivity, not only the first byte)", async () => {
  const server = await startIndexServer({
    projects: [demoProject()],
    behaviours: {
      "/simple/demo-pkg/": { stallMs: 1500 },
      "/files/demo_pkg-1.0-py3-none-any.whl": { stallMs: 1500 },
    },
  });
  using dir = tempDir();
  try {
    const client = createIndexClient(
      settingsFor({ indexUrl: server.indexUrl, retries: 0, timeoutSec: 0.3 }, dir.path),
    );
    await assert.rejects(
      client.getProject("demo-pkg"),
      /simple\/demo-pkg\/: no data for 0\.3s \(timed out\)/,
    );
    server.setBehaviour("/simple/demo-pkg/", undefined);
    const page = await client.getProject("demo-pkg");
    await assert.rejects(
      client.download(page.files[0]!, join(dir.path, "out")),
      /no data for 0\.3s \(timed out\)/,
    );
    assert.deepEqual(readdirSync(join(dir.path, "out")), []);
    await client.close();
  } finally {
    await server.close();
  }
});

test("malformed pages over the wire: clear errors naming the redacted URL, nothing cached", async () => {
  const server = await startIndexServer({
    projects: [demoProject()],
    behaviours: {
      "/simple/bad-json/": {
        respond: { contentType: "application/vnd.pypi.simple.v1+json", body: '{"meta":' },
      },
      "/simple/bad-type/": { respond: { contentType: "image/png", body: "PNG" } },
      "/simple/forbidden/": { respond: { status: 403, body: "no" } },
    },
  });
  using dir = tempDir();
  const withCreds = server.indexUrl.replace("http://", "http://alice:s3cret-token@");
  try {
    const client = createIndexClient(settingsFor({ indexUrl: withCreds, retries: 0 }, dir.path));
    for (const [name, pattern, kind] of [
      ["bad-json", /JSON does not parse/, IndexPageInvalid],
      ["bad-type", /sent "image\/png"/, IndexPageInvalid],
      ["forbidden", /HTTP 403/, IndexUnreachable],
    ] as const) {
      await assert.rejects(client.getProject(name), (e: unknown) => {
        assert.ok(e instanceof kind, name);
        const message = (e as Error).message;
        assert.match(message, pattern);
        assert.ok(message.includes(`http://****@127.0.0.1:`), message);
        assert.ok(!message.includes("s3cret") && !message.includes("alice"), message);
        return true;
      });
    }
    const before = server.requests.length;
    await assert.rejects(client.getProject("bad-json"), IndexPageInvalid);
    assert.equal(server.requests.length, before + 1, "a malformed page was not cached");
    await client.close();
  } finally {
    await server.close();
  }
});

test("core metadata: verified against its hash; malformed or tampered metadata is a clear error", async () => {
  const project = demoProject();
  const server = await startIndexServer({ projects: [project] });
  using dir = tempDir();
  try {
    const client = createIndexClient(settingsFor({ indexUrl: server.indexUrl, retries: 0 }, dir.path));
    const page = await client.getProject("demo-pkg");
    const [one, two, sdist] = page.files;
    assert.match(await client.fetchCoreMetadata(two!), /Requires-Python: >=3.8/);
    await assert.rejects(
      client.fetchCoreMetadata(sdist!),
      /offers no core metadata file for demo_pkg-2\.0\.tar\.gz/,
    );

    const metadataPath = "/files/demo_pkg-1.0-py3-none-any.whl.metadata";
    server.setBehaviour(metadataPath, { respond: { body: "Name: evil\nVersion: 6.6.6\n\n" } });
    await assert.rejects(client.fetchCoreMetadata(one!), (e: unknown) => {
      assert.ok(e instanceof HashMismatch);
      assert.match(e.message, /demo_pkg-1\.0-py3-none-any\.whl\.metadata/);
      return true;
    });
    const unhashed = { ...one!, coreMetadata: { hashes: {} } };
    server.setBehaviour(metadataPath, { respond: { body: "<html>this is not metadata</html>" } });
    await assert.rejects(client.fetchCoreMetadata(unhashed), (e: unknown) => {
      assert.ok(e instanceof IndexPageInvalid);
      assert.match(e.message, /no Name and Version fields/);
      return true;
    });
    server.setBehaviour(metadataPath, { respond: { status: 404, body: "gone" } });
    await assert.rejects(client.fetchCoreMetadata(unhashed), /advertised but missing \(HTTP 404\)/);
    await client.close();
  } finally {
    await server.close();
  }
});
