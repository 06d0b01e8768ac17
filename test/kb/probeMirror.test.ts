import assert from "node:assert/strict";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { HomeLayout } from "../../src/core/home.ts";
import { openKnowledgeBase, type ProbeCacheKey } from "../../src/kb/index.ts";
import { MirroredProbeCache, readMirroredProbe } from "../../src/kb/probeMirror.ts";
import { sampleFacts, tempHome } from "./fixtures.ts";

// Nothing listens on port 1: a cache that tried to open this knowledge base would fail.
const DEAD_REDIS = { url: "redis://127.0.0.1:1/0", redis: { connectTimeoutMs: 300, commandTimeoutMs: 300 } };
const KEY: ProbeCacheKey = {
  path: "/opt/python/3.11.7/bin/python3.11",
  mtimeMs: 1_700_000_000_000,
  size: 17_000,
};

describe("probe mirror: list and info read interpreter facts without opening the knowledge base", () => {
  let layout: HomeLayout;
  let cleanup: () => void;
  beforeEach(() => ({ layout, cleanup } = tempHome()));
  afterEach(() => cleanup());

  async function seedKb(key: ProbeCacheKey, version: string): Promise<void> {
    const kb = await openKnowledgeBase(layout, { url: "sqlite" });
    await kb.putProbe(key, sampleFacts(version));
    await kb.close();
  }

  it("a miss reads the knowledge base and mirrors the answer; the next lookup never opens the KB", async () => {
    await seedKb(KEY, "3.11.7");
    const first = new MirroredProbeCache(layout, { url: "sqlite" });
    assert.equal((await first.getProbe(KEY))?.version, "3.11.7");
    assert.equal(first.openedKb, true);
    await first.close();

    const second = new MirroredProbeCache(layout, DEAD_REDIS);
    assert.deepEqual(await second.getProbe(KEY), sampleFacts("3.11.7"));
    assert.equal(second.openedKb, false, "answered from the mirror");
    await second.close();
  });

  it("an interpreter changed in place (other mtime or size) is a miss, never the stale copy", async () => {
    await seedKb(KEY, "3.11.7");
    const warm = new MirroredProbeCache(layout, { url: "sqlite" });
    await warm.getProbe(KEY);
    await warm.close();
    assert.equal(readMirroredProbe(layout, { ...KEY, mtimeMs: KEY.mtimeMs + 1 }), undefined);
    assert.equal(readMirroredProbe(layout, { ...KEY, size: KEY.size + 1 }), undefined);

    const upgraded = { ...KEY, mtimeMs: KEY.mtimeMs + 5000 };
    await seedKb(upgraded, "3.11.9");
    const cache = new MirroredProbeCache(layout, { url: "sqlite" });
    assert.equal((await cache.getProbe(upgraded))?.version, "3.11.9");
    assert.equal(cache.openedKb, true);
    await cache.close();
    assert.equal(readMirroredProbe(layout, upgraded)?.version, "3.11.9", "the copy follows the KB");
  });

  it("putProbe records in the knowledge base first, then the mirror", async () => {
    const cache = new MirroredProbeCache(layout, { url: "sqlite" });
    await cache.putProbe(KEY, sampleFacts("3.12.1"));
    await cache.close();
    const kb = await openKnowledgeBase(layout, { url: "sqlite" });
    assert.equal((await kb.getProbe(KEY))?.version, "3.12.1");
    await kb.close();
    assert.equal(readMirroredProbe(layout, KEY)?.version, "3.12.1");
  });

  it("a corrupt mirror file is a miss, not an error", async () => {
    await seedKb(KEY, "3.11.7");
    const warm = new MirroredProbeCache(layout, { url: "sqlite" });
    await warm.getProbe(KEY);
    await warm.close();
    const dir = join(layout.cacheDir, "probes");
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file!), "{ not json");
    assert.equal(readMirroredProbe(layout, KEY), undefined);
    const cache = new MirroredProbeCache(layout, { url: "sqlite" });
    assert.equal((await cache.getProbe(KEY))?.version, "3.11.7");
    await cache.close();
    assert.equal(readMirroredProbe(layout, KEY)?.version, "3.11.7", "rewritten from the KB");
  });

  it("a cache folder that cannot be written still answers from the knowledge base", async () => {
    await seedKb(KEY, "3.11.7");
    mkdirSync(layout.root, { recursive: true });
    writeFileSync(layout.cacheDir, "a file where the cache folder should be");
    const cache = new MirroredProbeCache(layout, { url: "sqlite" });
    assert.equal((await cache.getProbe(KEY))?.version, "3.11.7");
    await cache.close();
    assert.equal(readMirroredProbe(layout, KEY), undefined);
  });

  it("a miss with an unreachable knowledge base reports it (the mirror hides no outage it needs)", async () => {
    const cache = new MirroredProbeCache(layout, DEAD_REDIS);
    await assert.rejects(cache.getProbe(KEY), (error: Error & { code?: string }) => {
      assert.equal(error.code, "KB_UNAVAILABLE");
      return true;
    });
    await cache.close();
  });
});
