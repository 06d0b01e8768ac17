import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import {
  createIndexClient,
  DownloadIncomplete,
  HashMismatch,
  IndexPageInvalid,
  type DistFile,
} from "../../src/index/index.ts";
import { sha256Hex, startIndexServer } from "../helpers/indexServer.ts";
import { settingsFor, tempDir } from "./fixtures.ts";

const BYTES = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251));
const project = { project: "big", files: [{ filename: "big-1.0-py3-none-any.whl", bytes: BYTES }] };

test("download streams to the destination, verifies sha256 and reports progress", async () => {
  const server = await startIndexServer({ projects: [project] });
  using dir = tempDir();
  try {
    const client = createIndexClient(settingsFor({ indexUrl: server.jsonIndexUrl }, join(dir.path, "cache")));
    const [file] = (await client.getProject("big")).files;
    const progress: number[] = [];
    const result = await client.download(file!, join(dir.path, "out"), {
      onProgress: (p) => {
        progress.push(p.receivedBytes);
        assert.equal(p.totalBytes, BYTES.length);
      },
    });
    assert.equal(result.path, join(dir.path, "out", "big-1.0-py3-none-any.whl"));
    assert.equal(result.sha256, sha256Hex(BYTES));
    assert.equal(result.size, BYTES.length);
    assert.ok(readFileSync(result.path).equals(BYTES));
    assert.equal(progress.at(-1), BYTES.length);
    assert.deepEqual(
      readdirSync(join(dir.path, "out")),
      ["big-1.0-py3-none-any.whl"],
      "no temp file remains",
    );
    await client.close();
  } finally {
    await server.close();
  }
});

test("a hash mismatch is an error and leaves no file", async () => {
  const server = await startIndexServer({ projects: [project] });
  using dir = tempDir();
  try {
    const client = createIndexClient(settingsFor({ indexUrl: server.indexUrl }, join(dir.path, "cache")));
    const [file] = (await client.getProject("big")).files;
    const tampered: DistFile = { ...file!, hashes: { sha256: sha256Hex("something else") } };
    await assert.rejects(client.download(tampered, join(dir.path, "out")), (e: unknown) => {
      assert.ok(e instanceof HashMismatch);
      assert.match(e.message, /big-1\.0-py3-none-any\.whl does not match its published sha256 hash/);
      return true;
    });
    assert.deepEqual(readdirSync(join(dir.path, "out")), []);
    await client.close();
  } finally {
    await server.close();
  }
});

test("a truncated body is an error that leaves no file, after retrying", async () => {
  const server = await startIndexServer({
    projects: [project],
    behaviours: { "/files/big-1.0-py3-none-any.whl": { truncate: true } },
  });
  using dir = tempDir();
  try {
    const client = createIndexClient(
      settingsFor({ indexUrl: server.indexUrl, retries: 1 }, join(dir.path, "c")),
      {
        retryBaseMs: 5,
      },
    );
    const [file] = (await client.getProject("big")).files;
    await assert.rejects(client.download(file!, join(dir.path, "out")), (e: unknown) => {
      assert.ok(e instanceof DownloadIncomplete, String(e));
      assert.match(e.message, /download of .*big-1\.0-py3-none-any\.whl did not complete/);
      return true;
    });
    assert.deepEqual(readdirSync(join(dir.path, "out")), []);
    assert.equal(server.requests.filter((r) => r.path.startsWith("/files/")).length, 2);
    await client.close();
  } finally {
    await server.close();
  }
});

test("a download retries after a 503 and after a reset", async () => {
  const server = await startIndexServer({
    projects: [project],
    behaviours: { "/files/big-1.0-py3-none-any.whl": { failTimes: 1, resetTimes: 1 } },
  });
  using dir = tempDir();
  try {
    const client = createIndexClient(
      settingsFor({ indexUrl: server.indexUrl, retries: 3 }, join(dir.path, "c")),
      {
        retryBaseMs: 5,
      },
    );
    const [file] = (await client.getProject("big")).files;
    const result = await client.download(file!, join(dir.path, "out"));
    assert.equal(result.sha256, sha256Hex(BYTES));
    await client.close();
  } finally {
    await server.close();
  }
});

test("file names from the index cannot escape the destination folder", async () => {
  using dir = tempDir();
  const source = join(dir.path, "x.whl");
  writeFileSync(source, "x");
  const client = createIndexClient(settingsFor({ noIndex: true }, join(dir.path, "c")));
  const evil: DistFile = {
    filename: "../escaped.whl",
    url: pathToFileURL(source).href,
    hashes: {},
    requiresPython: undefined,
    yanked: false,
    coreMetadata: false,
    uploadTime: undefined,
    size: undefined,
    index: "test",
  };
  await assert.rejects(client.download(evil, join(dir.path, "out")), IndexPageInvalid);
  assert.deepEqual(readdirSync(dir.path).sort(), ["x.whl"]);
  await client.close();
});

test("range requests: supported servers return the slice and the total size; others say so", async () => {
  const server = await startIndexServer({ projects: [project] });
  using dir = tempDir();
  try {
    const client = createIndexClient(settingsFor({ indexUrl: server.indexUrl }, join(dir.path, "c")));
    const url = server.fileUrl("big-1.0-py3-none-any.whl");
    const head = await client.fetchRange(url, 10, 19);
    assert.equal(head.supported, true);
    assert.ok(head.bytes!.equals(BYTES.subarray(10, 20)));
    assert.equal(head.start, 10);
    assert.equal(head.totalSize, BYTES.length);
    const tail = await client.fetchRange(url, -100);
    assert.ok(tail.bytes!.equals(BYTES.subarray(BYTES.length - 100)));
    assert.equal(tail.start, BYTES.length - 100);
    assert.equal(server.requests.at(-1)!.headers.range, "bytes=-100");
    await assert.rejects(client.fetchRange(url, BYTES.length + 10, BYTES.length + 20), /outside/);

    server.setBehaviour("/files/big-1.0-py3-none-any.whl", { noRange: true });
    const refused = await client.fetchRange(url, 0, 9);
    assert.deepEqual(refused, { supported: false });

    const local = join(dir.path, "local.whl");
    writeFileSync(local, BYTES);
    const fromFile = await client.fetchRange(pathToFileURL(local).href, -50);
    assert.ok(fromFile.bytes!.equals(BYTES.subarray(BYTES.length - 50)));
    assert.equal(fromFile.totalSize, BYTES.length);
    await client.close();
  } finally {
    await server.close();
  }
});
