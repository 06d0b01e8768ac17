import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { openKnowledgeBase, type KnowledgeBase } from "../../src/kb/index.ts";
import { migrateKb, verifyCopy, type MigrationReport } from "../../src/kb/migrateKb.ts";
import { startRedisServer, type RedisServer } from "../helpers/redisServer.ts";
import { sampleFacts, tempHome } from "./fixtures.ts";
import { dist } from "./suite.ts";

/** `kb migrate` both ways, through the engine and through the CLI, with counts verified per kind. */
const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

async function fill(kb: KnowledgeBase): Promise<void> {
  await kb.putProbe({ path: "/p/python3.11", mtimeMs: 5, size: 6 }, sampleFacts());
  await kb.putInterpreter({ id: "3.11.7", path: "/p/python3.11", version: "3.11.7", facts: sampleFacts() });
  await kb.putEnvironment({
    id: "3.11.7",
    interpreterId: "3.11.7",
    path: "/e",
    kind: "main",
    parentId: null,
    name: null,
    version: null,
  });
  for (let b = 0; b < 3; b++) {
    await kb.putEnvironment({
      id: `3.11.7/rich-13.${b}`,
      interpreterId: "3.11.7",
      path: `/e/bubbles/rich-13.${b}`,
      kind: "bubble",
      parentId: "3.11.7",
      name: "rich",
      version: `13.${b}`,
    });
    await kb.applyChange({
      envId: `3.11.7/rich-13.${b}`,
      put: [dist("rich", `13.${b}`, 7)],
      revision: { command: "bubble" },
    });
  }
  for (let r = 0; r < 4; r++) {
    await kb.applyChange({
      envId: "3.11.7",
      put: [dist(`pkg${r}`, "1.0", 10), dist(`dep${r}`, "2.0", 3)],
      revision: { command: `omnipkg install pkg${r}`, added: [{ name: `pkg${r}`, version: "1.0" }] },
    });
  }
  await kb.putStoreRefs([
    { wheelSha256: "a".repeat(64), files: [{ path: "x.py", sha256: "b".repeat(64), size: 3, mode: 0o644 }] },
  ]);
  await kb.putCompat({
    package: "migtest-rich",
    version: "13.0",
    interpreter: "cpython-3.11.7-linux-x86_64",
    ok: true,
    message: "",
    importMs: 12.5,
    recordedAtMs: 1,
  });
  await kb.putProjectMetadata({
    project: "migtest-rich",
    versions: ["13.0"],
    data: { etag: "e" },
    fetchedAtMs: 2,
  });
  await kb.putMetadataBlobs([
    { project: "migtest-rich", filename: "rich-13.0-py3-none-any.whl", text: "Name: rich\n" },
  ]);
}

const EXPECTED = {
  probes: 1,
  interpreters: 1,
  environments: 4,
  distributions: 11,
  files: 3 * 7 + 4 * 13,
  revisions: 7,
  storeRefs: 1,
  compat: 1,
  projects: 1,
  metadataBlobs: 1,
};

function countsOf(report: MigrationReport): Record<string, number> {
  return Object.fromEntries(report.rows.map((r) => [r.kind, r.source]));
}

describe("kb migrate", () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    await server.stop();
  });

  it("copies SQLite to Redis and back, verifying every kind, and keeps revision numbering", async () => {
    const home = tempHome();
    try {
      const sqlite = await openKnowledgeBase(home.layout, { url: "sqlite" });
      await fill(sqlite);
      const original = await sqlite.exportAll();
      await sqlite.close();

      const url = server.url(1);
      const there = await migrateKb(home.layout, { from: "sqlite", to: url });
      assert.equal(there.to.backend, "redis");
      assert.deepEqual(countsOf(there), EXPECTED);
      assert.ok(there.rows.every((r) => r.ok && r.copied === r.source));

      const redis = await openKnowledgeBase(home.layout, { url });
      assert.deepEqual(await redis.exportAll(), original);
      assert.equal(await redis.applyChange({ envId: "3.11.7", revision: { command: "on redis" } }), 5);
      await redis.close();

      // Back to SQLite: its old content is replaced by what Redis now holds (one more revision).
      const back = await migrateKb(home.layout, { from: url, to: "sqlite" });
      assert.deepEqual(countsOf(back), { ...EXPECTED, revisions: 8 });
      const again = await openKnowledgeBase(home.layout, { url: "sqlite" });
      assert.equal((await again.listRevisions("3.11.7", { limit: 1 }))[0]?.command, "on redis");
      assert.equal(await again.applyChange({ envId: "3.11.7", revision: { command: "back" } }), 6);
      await again.close();
    } finally {
      home.cleanup();
    }
  });

  it("refuses to migrate onto itself", async () => {
    const home = tempHome();
    try {
      await assert.rejects(migrateKb(home.layout, { from: "sqlite", to: "sqlite" }), /already at/);
    } finally {
      home.cleanup();
    }
  });

  it("notices a copy that lost records", () => {
    const source = {
      probes: [],
      interpreters: [{ id: "a", path: "/a", version: "3", facts: null }],
      environments: [],
      distributions: [],
      revisions: [],
      storeRefs: [],
      compat: [],
      projects: [{ project: "p", versions: [], data: null, fetchedAtMs: 0 }],
      metadataBlobs: [],
    };
    const target = {
      ...source,
      interpreters: [],
      projects: [...source.projects, { ...source.projects[0]!, project: "other" }],
    };
    const rows = Object.fromEntries(verifyCopy(source, target).map((r) => [r.kind, r]));
    assert.equal(rows.interpreters!.ok, false);
    assert.equal(rows.interpreters!.copied, 0);
    assert.equal(rows.projects!.ok, true, "a shared kind may hold other homes' records");
    assert.equal(rows.projects!.target, 2);
    const extra = {
      ...source,
      interpreters: [...source.interpreters, { id: "b", path: "/b", version: "3", facts: null }],
    };
    assert.equal(
      verifyCopy(source, extra).find((r) => r.kind === "interpreters")!.ok,
      false,
      "home kinds must match exactly",
    );
  });

  it("runs from the command line with --json, and reports a dead Redis without a stack", () => {
    const home = tempHome();
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, OMNIPKG_HOME: home.layout.root, NO_COLOR: "1" };
      delete env.OMNIPKG_KB;
      const run = (args: string[], extra: Record<string, string> = {}) =>
        spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
          env: { ...env, ...extra },
          encoding: "utf8",
        });
      const migrated = run(["kb", "migrate", "--to", server.url(2), "--json"]);
      assert.equal(migrated.status, 0, migrated.stderr);
      const report = JSON.parse(migrated.stdout) as MigrationReport;
      assert.equal(report.from.backend, "sqlite");
      assert.equal(report.rows.length, 10);
      const status = run(["kb", "status", "--json"], { OMNIPKG_KB: server.url(2) });
      assert.equal(status.status, 0, status.stderr);
      assert.equal((JSON.parse(status.stdout) as { backend: string }).backend, "redis");
      const human = run(["kb", "status"]);
      assert.match(human.stdout, /backend:\s+sqlite/);
      assert.match(human.stdout, /revisions\s+0/);

      const dead = run(["kb", "status"], { OMNIPKG_KB: "redis://:pw-here@127.0.0.1:1/0" });
      assert.equal(dead.status, 1);
      assert.match(dead.stderr, /error: The knowledge base at redis:\/\/127\.0\.0\.1:1\/0 is unreachable/);
      assert.doesNotMatch(dead.stderr, /pw-here|\n\s+at /);
      const bad = run(["kb", "migrate", "--to", "mysql://x"]);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /not valid/);
    } finally {
      home.cleanup();
    }
  });
});
