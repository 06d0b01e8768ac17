import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { KnowledgeBase } from "../../src/kb/index.ts";
import { sampleFacts } from "./fixtures.ts";

/**
 * The one behaviour suite every backend must pass. `factory.open()` returns a fresh, empty
 * knowledge base (its own temp home / Redis database); `reopen()` opens the same one again, as a
 * second process would.
 */
export interface KbFactory {
  open(): Promise<KnowledgeBase>;
  reopen(): Promise<KnowledgeBase>;
  cleanup(): Promise<void>;
}

export function defineKbSuite(name: string, makeFactory: () => Promise<KbFactory>): void {
  describe(`knowledge base contract: ${name}`, () => {
    let factory: KbFactory;
    let kb: KnowledgeBase;

    before(async () => {
      factory = await makeFactory();
      kb = await factory.open();
    });
    after(async () => {
      await kb?.close();
      await factory?.cleanup();
    });

    it("caches a probe by path, mtime and size, and misses when any of them changes", async () => {
      const key = { path: "/x/bin/python3.11", mtimeMs: 1700000000123.5, size: 14000 };
      assert.equal(await kb.getProbe(key), undefined);
      await kb.putProbe(key, sampleFacts("3.11.7"));
      assert.deepEqual(await kb.getProbe(key), sampleFacts("3.11.7"));
      assert.equal(await kb.getProbe({ ...key, mtimeMs: key.mtimeMs + 1 }), undefined);
      assert.equal(await kb.getProbe({ ...key, size: key.size + 1 }), undefined);
      assert.equal(await kb.getProbe({ ...key, path: "/x/bin/python3.12" }), undefined);
      // A re-probe after an upgrade replaces the entry.
      const newer = { ...key, mtimeMs: key.mtimeMs + 5000 };
      await kb.putProbe(newer, sampleFacts("3.11.8"));
      assert.equal(await kb.getProbe(key), undefined);
      assert.equal((await kb.getProbe(newer))?.version, "3.11.8");
    });

    it("keeps what it stored across a close and reopen", async () => {
      const key = { path: "/x/bin/python3.9", mtimeMs: 1, size: 2 };
      await kb.putProbe(key, sampleFacts("3.9.18"));
      const second = await factory.reopen();
      try {
        assert.equal((await second.getProbe(key))?.version, "3.9.18");
      } finally {
        await second.close();
      }
    });
  });
}
