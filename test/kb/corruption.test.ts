import assert from "node:assert/strict";
import { readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, it } from "node:test";
import { KbCorrupt, openKnowledgeBase } from "../../src/kb/index.ts";
import { sampleFacts, tempHome } from "./fixtures.ts";

/**
 * A damaged KB file must be reported (naming the file, suggesting rebuild-kb) and left exactly as
 * it was: SQLite would otherwise treat an empty file as a new database and silently drop history.
 */
describe("a damaged SQLite knowledge base", () => {
  let home: ReturnType<typeof tempHome>;

  beforeEach(async () => {
    home = tempHome();
    const kb = await openKnowledgeBase(home.layout, { url: "sqlite" });
    for (let i = 0; i < 200; i++) {
      await kb.putProbe({ path: `/x/python-${i}`, mtimeMs: i, size: i }, sampleFacts());
    }
    await kb.close();
  });
  afterEach(() => home.cleanup());

  async function assertReportedAndUntouched(): Promise<void> {
    const before = readFileSync(home.layout.kbFile);
    await assert.rejects(openKnowledgeBase(home.layout, { url: "sqlite" }), (error: unknown) => {
      assert.ok(error instanceof KbCorrupt, `expected KbCorrupt, got ${String(error)}`);
      assert.match(error.message, new RegExp(home.layout.kbFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
      assert.match(error.hint ?? "", /omnipkg rebuild-kb/);
      assert.equal(error.exitCode, 1);
      return true;
    });
    assert.deepEqual(readFileSync(home.layout.kbFile), before, "the damaged file must not be rewritten");
  }

  it("reports a file truncated to zero bytes", async () => {
    truncateSync(home.layout.kbFile, 0);
    await assertReportedAndUntouched();
  });

  it("reports a file truncated half-way", async () => {
    const size = statSync(home.layout.kbFile).size;
    assert.ok(size > 8192, `fixture KB should span several pages, got ${size}`);
    truncateSync(home.layout.kbFile, Math.floor(size / 2) + 100);
    await assertReportedAndUntouched();
  });

  it("reports a file overwritten with garbage", async () => {
    writeFileSync(home.layout.kbFile, "this is not a database at all\n".repeat(400));
    await assertReportedAndUntouched();
  });

  it("reports garbage inside the pages even when the header is intact", async () => {
    const bytes = readFileSync(home.layout.kbFile);
    // Keep page 1 (header + schema) and scribble over every later page.
    for (let i = 4096; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
    writeFileSync(home.layout.kbFile, bytes);
    const kb = await openKnowledgeBase(home.layout, { url: "sqlite" }).catch((error: unknown) => error);
    if (kb instanceof KbCorrupt) return; // caught at open: fine
    assert.ok(!(kb instanceof Error), `unexpected ${String(kb)}`);
    const opened = kb as Awaited<ReturnType<typeof openKnowledgeBase>>;
    try {
      await assert.rejects(opened.getProbe({ path: "/x/python-150", mtimeMs: 150, size: 150 }), KbCorrupt);
    } finally {
      await opened.close();
    }
  });
});
