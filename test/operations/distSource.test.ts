import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildWheel, metadataText } from "../helpers/buildWheel.ts";
import { makeTempDir, removeDir } from "../python/cliHarness.ts";
import { createStore } from "../../src/store/index.ts";
import { createDistSource } from "../../src/operations/distSource.ts";
import type { DistFile, IndexClient } from "../../src/index/index.ts";
import type { KnowledgeBase } from "../../src/kb/index.ts";
import type { InterpreterFacts } from "../../src/python/index.ts";

/**
 * A wheel on a file:// index starts its import into the store when the resolver first asks for
 * its metadata (the import threads would idle until resolution ends), and a dry run imports
 * nothing. The source's `downloads` count is the judge: an import counts from the moment it starts.
 */

describe("dist source: early imports of file:// wheels", () => {
  const dir = makeTempDir("dist-source");
  after(() => removeDir(dir));
  const spec = { name: "early", version: "1.0", files: { "early/__init__.py": "X = 1\n" } };
  const wheel = buildWheel(spec, dir);
  const file: DistFile = {
    filename: wheel.filename,
    url: pathToFileURL(wheel.path).href,
    hashes: { sha256: wheel.sha256 },
    requiresPython: undefined,
    yanked: false,
    coreMetadata: { hashes: {} },
    uploadTime: undefined,
    size: wheel.bytes.length,
    index: "test",
  };
  const client = { fetchCoreMetadata: async () => metadataText(spec) } as unknown as IndexClient;
  const kb = {
    getMetadataBlob: async () => undefined,
    putMetadataBlob: async () => undefined,
  } as unknown as KnowledgeBase;
  const sourceFor = (name: string, early: boolean) => {
    const store = createStore(join(dir, name, "store"));
    const source = createDistSource({
      client,
      store,
      kb,
      facts: {} as InterpreterFacts,
      tmpDir: join(dir, name, "tmp"),
      importLocalWheelsEarly: early,
    });
    return { store, source };
  };

  test("the import starts with the metadata read, and the install gets that same import", async () => {
    const { store, source } = sourceFor("early", true);
    assert.match(await source.metadata("early", file), /^Name: early$/m);
    assert.equal(source.downloads, 1, "the import started before anyone asked for the wheel");
    const manifest = await source.wheel(file);
    assert.equal(manifest.sha256, wheel.sha256);
    assert.equal(source.downloads, 1, "wheel() reused the import in flight");
    assert.ok(store.manifest(wheel.sha256));
  });

  test("without it (dry runs) reading metadata imports nothing", async () => {
    const { store, source } = sourceFor("dry", false);
    assert.match(await source.metadata("early", file), /^Name: early$/m);
    assert.equal(source.downloads, 0);
    assert.equal(store.manifest(wheel.sha256), undefined);
  });
});
