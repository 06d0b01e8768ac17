import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { homeLayout } from "../../src/core/home.ts";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, it } from "node:test";
import { KbBusy, KbInaccessible, KbTooNew, openKnowledgeBase } from "../../src/kb/index.ts";
import { migrate, SCHEMA_VERSION } from "../../src/kb/sqlite/schema.ts";
import { sampleFacts, tempHome } from "./fixtures.ts";
import { dist } from "./suite.ts";

/** SQLite-only behaviour: the file itself, its schema migrations, and rollback of a failed change. */
describe("the SQLite knowledge base file", () => {
  let home: ReturnType<typeof tempHome>;
  beforeEach(() => (home = tempHome()));
  afterEach(() => home.cleanup());

  it("is created complete, in WAL mode, with no temp files left beside it", async () => {
    const kb = await openKnowledgeBase(home.layout, { url: "sqlite" });
    await kb.close();
    const header = readFileSync(home.layout.kbFile).subarray(0, 100);
    assert.equal(header.toString("latin1", 0, 15), "SQLite format 3");
    assert.equal(header[18], 2, "WAL mode is recorded in the header (write version 2)");
    assert.deepEqual(
      readdirSync(home.layout.root).filter((f) => f.includes(".tmp")),
      [],
    );
    const db = new DatabaseSync(home.layout.kbFile, { readOnly: true });
    const version = db.prepare("SELECT max(version) AS v FROM schema_version").get() as { v: number };
    db.close();
    assert.equal(version.v, SCHEMA_VERSION);
  });

  it("upgrades a file made by an earlier schema and keeps its records", async () => {
    const db = new DatabaseSync(home.layout.kbFile);
    db.exec(`CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;
             INSERT INTO schema_version VALUES (1);
             CREATE TABLE probes (path TEXT PRIMARY KEY, mtime_ms REAL NOT NULL, size INTEGER NOT NULL, facts TEXT NOT NULL) STRICT;`);
    db.prepare("INSERT INTO probes VALUES (?, ?, ?, ?)").run(
      "/p",
      1,
      2,
      JSON.stringify(sampleFacts("3.8.18")),
    );
    db.close();
    const kb = await openKnowledgeBase(home.layout, { url: "sqlite" });
    try {
      assert.equal((await kb.getProbe({ path: "/p", mtimeMs: 1, size: 2 }))?.version, "3.8.18");
      await kb.putInterpreter({ id: "3.8.18", path: "/p", version: "3.8.18", facts: null });
      assert.equal((await kb.counts()).interpreters, 1);
    } finally {
      await kb.close();
    }
  });

  it("refuses a file from a newer omnipkg and leaves it alone", async () => {
    await (await openKnowledgeBase(home.layout, { url: "sqlite" })).close();
    const db = new DatabaseSync(home.layout.kbFile);
    db.prepare("INSERT INTO schema_version VALUES (?)").run(SCHEMA_VERSION + 5);
    db.close();
    const before = readFileSync(home.layout.kbFile);
    await assert.rejects(openKnowledgeBase(home.layout, { url: "sqlite" }), (e: unknown) => {
      assert.ok(e instanceof KbTooNew);
      assert.match(e.message, new RegExp(`schema version ${SCHEMA_VERSION + 5}`));
      return true;
    });
    assert.deepEqual(readFileSync(home.layout.kbFile), before);
  });

  it("rolls back a change that fails half-way: no distribution, file or revision of it remains", async () => {
    const kb = await openKnowledgeBase(home.layout, { url: "sqlite" });
    try {
      await kb.putInterpreter({ id: "i", path: "/p", version: "3", facts: null });
      await kb.putEnvironment({
        id: "e",
        interpreterId: "i",
        path: "/e",
        kind: "main",
        parentId: null,
        name: null,
        version: null,
      });
      await kb.applyChange({ envId: "e", put: [dist("keep", "1")], revision: { command: "first" } });
      const before = await kb.exportAll();
      // The second distribution has no version (NOT NULL): its insert fails after the first landed.
      const broken = { ...dist("bad", "1", 2), version: null as unknown as string };
      await assert.rejects(
        kb.applyChange({
          envId: "e",
          put: [dist("fine", "2", 5), broken],
          remove: ["keep"],
          revision: { command: "boom" },
        }),
        /NOT NULL|constraint/i,
      );
      assert.deepEqual(await kb.exportAll(), before);
      assert.equal(
        await kb.applyChange({ envId: "e", revision: { command: "next" } }),
        2,
        "no number was used up",
      );
    } finally {
      await kb.close();
    }
  });

  it("says the file stayed locked when another process holds the write lock past the busy timeout", async () => {
    const kb = await openKnowledgeBase(home.layout, { url: "sqlite", busyTimeoutMs: 150 });
    const other = new DatabaseSync(home.layout.kbFile);
    const sameEnv = {
      id: "e",
      interpreterId: "i",
      path: "/e",
      kind: "main" as const,
      parentId: null,
      name: null,
      version: null,
    };
    try {
      await kb.putInterpreter({ id: "i", path: "/p", version: "3", facts: null });
      await kb.putEnvironment(sameEnv);
      other.exec("BEGIN IMMEDIATE");
      await assert.rejects(
        kb.putInterpreter({ id: "j", path: "/p", version: "3", facts: null }),
        (e: unknown) => {
          assert.ok(e instanceof KbBusy, `expected KbBusy, got ${String(e)}`);
          assert.match(e.message, /stayed locked by another process/);
          return true;
        },
      );
      // Re-recording an unchanged environment is a read: it does not wait for the write lock.
      await kb.putEnvironment(sameEnv);
      await assert.rejects(kb.putEnvironment({ ...sameEnv, path: "/moved" }), KbBusy);
      other.exec("ROLLBACK");
      await kb.putInterpreter({ id: "j", path: "/p", version: "3", facts: null });
      assert.equal((await kb.listInterpreters()).length, 2);
    } finally {
      other.close();
      await kb.close();
    }
  });

  it("says the file cannot be used when its folder cannot exist", async () => {
    const blocker = join(home.layout.root, "a-file");
    writeFileSync(blocker, "");
    await assert.rejects(
      openKnowledgeBase(homeLayout(join(blocker, "home")), { url: "sqlite" }),
      (e: unknown) => {
        assert.ok(e instanceof KbInaccessible, `expected KbInaccessible, got ${String(e)}`);
        assert.match(e.message, /a-file\/home\/kb\.sqlite cannot be used/);
        return true;
      },
    );
  });
  it("upgrades a schema 3 file: file rows become shared lists with the same answers", async () => {
    const db = new DatabaseSync(home.layout.kbFile);
    migrate(db, home.layout.kbFile, 3);
    db.exec(`INSERT INTO interpreters VALUES ('i', '/p', '3', NULL);
             INSERT INTO environments VALUES ('a', 'i', '/a', 'main', NULL, NULL, NULL),
                                             ('b', 'i', '/b', 'main', NULL, NULL, NULL);`);
    const rich = dist("rich", "13", 3);
    const pip = { ...dist("six", "1", 1), installer: "pip", wheelSha256: null };
    pip.files.push({ path: "six-1.dist-info/RECORD", sha256: null, size: null } as never);
    const row = db.prepare("INSERT INTO distributions VALUES (?, ?, ?, ?, ?, 0, ?)");
    const file = db.prepare("INSERT INTO dist_files VALUES (?, ?, ?, ?, ?)");
    for (const [env, d] of [
      ["a", rich],
      ["b", rich],
      ["b", pip],
    ] as const) {
      row.run(env, d.name, d.version, d.installer, d.wheelSha256, d.files.length);
      // Reversed, to show the answer is sorted by path whatever the stored order.
      for (const f of [...d.files].reverse()) file.run(env, d.name, f.path, f.sha256, f.size);
    }
    db.close();
    const kb = await openKnowledgeBase(home.layout, { url: "sqlite" });
    try {
      assert.deepEqual(await kb.getDistribution("a", "rich"), { ...rich, requested: false });
      assert.deepEqual(await kb.getDistribution("b", "rich"), { ...rich, requested: false });
      assert.deepEqual(await kb.getDistribution("b", "six"), {
        ...pip,
        requested: false,
        files: [...pip.files].sort((x, y) => (x.path < y.path ? -1 : 1)),
      });
      assert.equal((await kb.counts()).files, 8);
      assert.equal(listCount(home.layout.kbFile), 2, "both environments share rich's list");
      // The migrated list is found again by a new install of the same content: no third list.
      await kb.applyChange({ envId: "a", put: [dist("rich", "13", 3)] });
      assert.equal(listCount(home.layout.kbFile), 2);
    } finally {
      await kb.close();
    }
  });

  it("keeps one file list per content, and drops it with its last distribution", async () => {
    const kb = await openKnowledgeBase(home.layout, { url: "sqlite" });
    try {
      await kb.putInterpreter({ id: "i", path: "/p", version: "3", facts: null });
      for (const id of ["a", "b"]) {
        await kb.putEnvironment({
          id,
          interpreterId: "i",
          path: `/${id}`,
          kind: "main",
          parentId: null,
          name: null,
          version: null,
        });
        await kb.applyChange({ envId: id, put: [dist("rich", "13", 3), dist("attrs", "23", 2)] });
      }
      assert.equal(listCount(home.layout.kbFile), 2, "a and b share both lists");
      // Same wheel, other files (say, a script with another shebang): a list of its own.
      const other = dist("rich", "13", 3);
      other.files[0]!.size = 1;
      await kb.applyChange({ envId: "b", put: [other] });
      assert.equal(listCount(home.layout.kbFile), 3);
      assert.deepEqual((await kb.getDistribution("b", "rich"))?.files, other.files);
      assert.deepEqual((await kb.getDistribution("a", "rich"))?.files, dist("rich", "13", 3).files);
      await kb.applyChange({ envId: "a", remove: ["rich"] });
      assert.equal(listCount(home.layout.kbFile), 2, "a's rich list had no other user");
      await kb.applyChange({ envId: "b", put: [dist("rich", "13", 3)] });
      assert.equal(listCount(home.layout.kbFile), 2, "b's replaced list went, the new one came");
      await kb.removeEnvironment("a");
      assert.equal(listCount(home.layout.kbFile), 2, "attrs' list is still b's");
      assert.equal((await kb.counts()).files, 5);
      await kb.removeInterpreter("i");
      assert.equal(listCount(home.layout.kbFile), 0, "cascades release lists too");
      assert.equal((await kb.counts()).files, 0);
    } finally {
      await kb.close();
    }
  });
});

function listCount(file: string): number {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM file_lists").get() as { n: number }).n;
  } finally {
    db.close();
  }
}
