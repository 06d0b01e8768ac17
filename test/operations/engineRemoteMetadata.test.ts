import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createIndexClient,
  loadIndexSettings,
  type DistFile,
  type IndexClient,
} from "../../src/index/index.ts";
import { readRemoteWheelMetadata } from "../../src/operations/remoteWheelMetadata.ts";
import { buildWheel, metadataText, type WheelSpec } from "../helpers/buildWheel.ts";
import { startIndexServer, type IndexServer } from "../helpers/indexServer.ts";

/**
 * The range reader on its own, against the test server: the METADATA text it returns must be
 * exactly the wheel's (an install test alone would not notice a reader that silently gives up,
 * since the fallback download hides it), in as few requests as the layout allows.
 */

const SMALL: WheelSpec = { name: "small", version: "1.0", requiresDist: ["dep>=2"] };
const manyFiles: Record<string, string> = {};
for (let i = 0; i < 1000; i++) manyFiles[`big/a_module_with_a_rather_long_name_${i}.py`] = `N = ${i}\n`;
// Its central directory is larger than the 64 KiB tail, and RECORD sits between METADATA and it.
const BIG: WheelSpec = { name: "big", version: "2.0", requiresDist: ["small"], files: manyFiles };

describe("reading METADATA with HTTP range requests", () => {
  let server: IndexServer;
  let client: IndexClient;
  let dir: string;
  const wheels = new Map<string, { filename: string; size: number }>();

  const fileOf = (spec: WheelSpec, withSize: boolean): DistFile => {
    const w = wheels.get(spec.name)!;
    return {
      filename: w.filename,
      url: server.fileUrl(w.filename),
      hashes: {},
      requiresPython: undefined,
      yanked: false,
      coreMetadata: false,
      uploadTime: undefined,
      size: withSize ? w.size : undefined,
      index: server.indexUrl,
    };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "omnipkg-ranges-"));
    const files = [SMALL, BIG].map((spec) => {
      const built = buildWheel(spec, dir);
      wheels.set(spec.name, { filename: built.filename, size: built.bytes.length });
      return { filename: built.filename, bytes: built.bytes };
    });
    server = await startIndexServer({ projects: [{ project: "x", files }] });
    const settings = loadIndexSettings({
      flags: { indexUrl: server.indexUrl },
      env: { PIP_CONFIG_FILE: "/dev/null" },
      systemConfigDir: join(dir, "no-etc"),
      homeDir: dir,
      cacheDir: join(dir, "cache"),
    });
    client = createIndexClient(settings);
  });
  after(async () => {
    await client?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const withSize of [true, false]) {
    test(`a small wheel is one request (${withSize ? "explicit" : "suffix"} range)`, async () => {
      const from = server.requests.length;
      const result = await readRemoteWheelMetadata(client, fileOf(SMALL, withSize));
      assert.deepEqual(result, { metadata: metadataText(SMALL), rangesSupported: true });
      const log = server.requests.slice(from);
      assert.equal(log.length, 1);
      assert.match(String(log[0]!.headers.range), withSize ? /^bytes=0-\d+$/ : /^bytes=-65536$/);
    });
  }

  test("a wheel whose directory outgrows the tail takes three ranges, none overlapping", async () => {
    const from = server.requests.length;
    const result = await readRemoteWheelMetadata(client, fileOf(BIG, true));
    assert.deepEqual(result, { metadata: metadataText(BIG), rangesSupported: true });
    const ranges = server.requests.slice(from).map((q) => {
      const [start, end] = String(q.headers.range).slice(6).split("-").map(Number);
      return { start: start!, end: end!, status: q.status };
    });
    assert.equal(ranges.length, 3);
    assert.ok(ranges.every((r) => r.status === 206));
    const [tail, directory] = ranges;
    assert.equal(directory!.end, tail!.start - 1, "the directory request stops where the tail begins");
    const fetched = ranges.reduce((sum, r) => sum + r.end - r.start + 1, 0);
    assert.ok(fetched < wheels.get("big")!.size, "less than the whole wheel");
  });

  test("a server that answers 200 is reported as not doing ranges", async () => {
    server.setBehaviour(`/files/${wheels.get("small")!.filename}`, { noRange: true });
    const result = await readRemoteWheelMetadata(client, fileOf(SMALL, true));
    assert.deepEqual(result, { metadata: undefined, rangesSupported: false });
  });
});
