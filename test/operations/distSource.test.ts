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

/** The index's record of a built test wheel, at `url` (its file: URL by default). */
function distFileOf(
  wheel: { filename: string; path: string; sha256: string; bytes: Uint8Array },
  options: { url?: string; coreMetadata?: DistFile["coreMetadata"] } = {},
): DistFile {
  return {
    filename: wheel.filename,
    url: options.url ?? pathToFileURL(wheel.path).href,
    hashes: { sha256: wheel.sha256 },
    requiresPython: undefined,
    yanked: false,
    coreMetadata: options.coreMetadata ?? { hashes: {} },
    uploadTime: undefined,
    size: wheel.bytes.length,
    index: "test",
  };
}

describe("dist source: early imports of file:// wheels", () => {
  const dir = makeTempDir("dist-source");
  after(() => removeDir(dir));
  const spec = { name: "early", version: "1.0", files: { "early/__init__.py": "X = 1\n" } };
  const wheel = buildWheel(spec, dir);
  const file = distFileOf(wheel);
  const client = { fetchCoreMetadata: async () => metadataText(spec) } as unknown as IndexClient;
  const kb = {
    getMetadataBlob: async () => undefined,
    putMetadataBlobs: async () => undefined,
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

describe("dist source: metadata cached in the knowledge base", () => {
  const dir = makeTempDir("dist-source-blobs");
  after(() => removeDir(dir));

  test("metadata read during a resolution is written once, in one commit, by saveMetadata()", async () => {
    const specs = ["one", "two"].map((name) => ({
      name,
      version: "1.0",
      files: { [`${name}/__init__.py`]: "" },
    }));
    const files = specs.map((spec) => {
      const wheel = buildWheel(spec, dir);
      return distFileOf(wheel, { url: `http://127.0.0.1:9/${wheel.filename}` });
    });
    const client = {
      fetchCoreMetadata: async (f: DistFile) => metadataText(specs[files.indexOf(f)]!),
    } as unknown as IndexClient;
    const commits: { project: string; filename: string; text: string }[][] = [];
    const kb = {
      getMetadataBlob: async () => undefined,
      putMetadataBlobs: async (blobs: { project: string; filename: string; text: string }[]) => {
        commits.push([...blobs]);
      },
    } as unknown as KnowledgeBase;
    const source = createDistSource({
      client,
      store: createStore(join(dir, "store")),
      kb,
      facts: {} as InterpreterFacts,
      tmpDir: join(dir, "tmp"),
    });
    await source.metadata("one", files[0]!);
    await source.metadata("two", files[1]!);
    assert.equal(commits.length, 0, "nothing is written while the resolver reads");
    await source.saveMetadata();
    assert.deepEqual(
      commits.map((c) => c.map((b) => [b.project, b.filename, /^Name: (\w+)$/m.exec(b.text)?.[1]])),
      [
        [
          ["one", `${files[0]!.filename}#${files[0]!.hashes.sha256}`, "one"],
          ["two", `${files[1]!.filename}#${files[1]!.hashes.sha256}`, "two"],
        ],
      ],
    );
    await source.saveMetadata();
    assert.equal(commits.length, 2);
    assert.deepEqual(commits[1], [], "a second save has nothing left to write");
  });

  test("a knowledge base that cannot write does not fail the install", async () => {
    const kb = {
      putMetadataBlobs: async () => {
        throw new Error("disk full");
      },
    } as unknown as KnowledgeBase;
    const source = createDistSource({
      client: {} as IndexClient,
      store: createStore(join(dir, "store2")),
      kb,
      facts: {} as InterpreterFacts,
      tmpDir: join(dir, "tmp2"),
    });
    await source.saveMetadata();
  });
});

describe("dist source: a wheel the resolver expects to pick", () => {
  const dir = makeTempDir("dist-source-expect");
  after(() => removeDir(dir));
  const wheel = buildWheel({ name: "picked", version: "1.0", files: { "picked/__init__.py": "" } }, dir);
  const file = distFileOf(wheel, { coreMetadata: false });
  const sourceFor = (name: string, early: boolean, url = file.url) => {
    const store = createStore(join(dir, name, "store"));
    const source = createDistSource({
      client: {} as IndexClient,
      store,
      kb: {} as KnowledgeBase,
      facts: {} as InterpreterFacts,
      tmpDir: join(dir, name, "tmp"),
      importLocalWheelsEarly: early,
    });
    return { store, source, file: { ...file, url } };
  };

  test("starts importing a file:// wheel before its metadata is asked for, once", async () => {
    const { store, source, file: f } = sourceFor("on", true);
    source.expect(f);
    source.expect(f);
    assert.equal(source.downloads, 1);
    assert.equal((await source.wheel(f)).sha256, wheel.sha256);
    assert.equal(source.downloads, 1, "the install reused the import the hint started");
    assert.ok(store.manifest(wheel.sha256));
  });

  test("does nothing for a dry run or a wheel that is not on the local disk", async () => {
    const dry = sourceFor("dry", false);
    dry.source.expect(dry.file);
    assert.equal(dry.source.downloads, 0);
    const remote = sourceFor("remote", true, `http://127.0.0.1:9/${wheel.filename}`);
    remote.source.expect(remote.file);
    assert.equal(remote.source.downloads, 0);
    assert.equal(remote.store.manifest(wheel.sha256), undefined);
  });
});
