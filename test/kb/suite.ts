import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { KbMissing, type InstalledDistribution, type KnowledgeBase } from "../../src/kb/index.ts";
import { sampleFacts } from "./fixtures.ts";

/**
 * The one behaviour suite every backend must pass. `create()` returns a knowledge base for a new,
 * empty home on the backend under test; `reopen(home)` opens that home's KB again, as a second
 * process would. With Redis, homes share one server (so shared records are shared, on purpose).
 */
export interface KbHandle {
  kb: KnowledgeBase;
  home: string;
  url: string;
}

export interface KbFactory {
  create(): Promise<KbHandle>;
  reopen(handle: KbHandle): Promise<KnowledgeBase>;
  cleanup(): Promise<void>;
}

export function dist(
  name: string,
  version: string,
  fileCount = 2,
  extra: Partial<InstalledDistribution> = {},
) {
  const files = Array.from({ length: fileCount }, (_, i) => ({
    path: `lib/python3.11/site-packages/${name}/m${String(i).padStart(3, "0")}.py`,
    sha256: (name + version + i).padEnd(64, "0").slice(0, 64),
    size: 100 + i,
  }));
  return {
    name,
    version,
    installer: "omnipkg",
    wheelSha256: `w-${name}-${version}`,
    requested: false,
    files,
    ...extra,
  };
}

const CHILD = fileURLToPath(new URL("./recordRevisions.child.ts", import.meta.url));

function runChild(args: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`child exited ${code}: ${err}`)),
    );
  });
}

export function defineKbSuite(name: string, makeFactory: () => Promise<KbFactory>): void {
  describe(`knowledge base contract: ${name}`, () => {
    let factory: KbFactory;
    let handle: KbHandle;
    let kb: KnowledgeBase;
    const opened: KnowledgeBase[] = [];

    async function fresh(): Promise<KbHandle> {
      const h = await factory.create();
      opened.push(h.kb);
      return h;
    }

    async function withEnvironment(target: KnowledgeBase, envId = "3.11.7"): Promise<void> {
      await target.putInterpreter({
        id: "3.11.7",
        path: "/x/bin/python3.11",
        version: "3.11.7",
        facts: null,
      });
      await target.putEnvironment({
        id: envId,
        interpreterId: "3.11.7",
        path: `/h/envs/${envId}`,
        kind: "main",
        parentId: null,
        name: null,
        version: null,
      });
    }

    before(async () => {
      factory = await makeFactory();
      handle = await fresh();
      kb = handle.kb;
    });
    after(async () => {
      for (const k of opened) await k.close();
      await factory?.cleanup();
    });

    it("names its backend and a printable location", () => {
      assert.equal(kb.backend, name);
      assert.ok(kb.location.length > 0);
      assert.doesNotMatch(kb.location, /:[^/@:]+@/, "no password in the location");
    });

    it("caches a probe by path, mtime and size, and misses when any of them changes", async () => {
      const key = { path: "/x/bin/python3.11", mtimeMs: 1700000000123.5, size: 14000 };
      assert.equal(await kb.getProbe(key), undefined);
      await kb.putProbe(key, sampleFacts("3.11.7"));
      assert.deepEqual(await kb.getProbe(key), sampleFacts("3.11.7"));
      assert.equal(await kb.getProbe({ ...key, mtimeMs: key.mtimeMs + 1 }), undefined);
      assert.equal(await kb.getProbe({ ...key, size: key.size + 1 }), undefined);
      assert.equal(await kb.getProbe({ ...key, path: "/x/bin/python3.12" }), undefined);
      const newer = { ...key, mtimeMs: key.mtimeMs + 5000 };
      await kb.putProbe(newer, sampleFacts("3.11.8"));
      assert.equal(await kb.getProbe(key), undefined, "a re-probe replaces the entry");
      assert.equal((await kb.getProbe(newer))?.version, "3.11.8");
    });

    it("keeps what it stored across a close and reopen", async () => {
      const h = await fresh();
      const key = { path: "/x/bin/python3.9", mtimeMs: 1, size: 2 };
      await h.kb.putProbe(key, sampleFacts("3.9.18"));
      await withEnvironment(h.kb, "env-a");
      await h.kb.applyChange({
        envId: "env-a",
        put: [dist("rich", "13.4.2")],
        revision: { command: "install rich" },
      });
      const second = await factory.reopen(h);
      try {
        assert.equal((await second.getProbe(key))?.version, "3.9.18");
        assert.deepEqual(await second.getDistribution("env-a", "rich"), dist("rich", "13.4.2"));
        assert.equal((await second.listRevisions("env-a"))[0]?.number, 1);
      } finally {
        await second.close();
      }
    });

    it("stores, updates, lists and removes interpreters", async () => {
      const { kb: k } = await fresh();
      assert.deepEqual(await k.listInterpreters(), []);
      await k.putInterpreter({
        id: "3.12.1",
        path: "/p/3.12",
        version: "3.12.1",
        facts: sampleFacts("3.12.1"),
      });
      await k.putInterpreter({ id: "3.9.18", path: "/p/3.9", version: "3.9.18", facts: null });
      await k.putInterpreter({ id: "3.9.18", path: "/p/3.9b", version: "3.9.18", facts: null });
      assert.deepEqual(await k.getInterpreter("3.12.1"), {
        id: "3.12.1",
        path: "/p/3.12",
        version: "3.12.1",
        facts: sampleFacts("3.12.1"),
      });
      assert.equal((await k.getInterpreter("3.9.18"))?.path, "/p/3.9b");
      assert.deepEqual(
        (await k.listInterpreters()).map((i) => i.id),
        ["3.12.1", "3.9.18"],
      );
      await k.removeInterpreter("3.12.1");
      assert.equal(await k.getInterpreter("3.12.1"), undefined);
      assert.equal((await k.listInterpreters()).length, 1);
    });

    it("keeps environments and bubbles, refuses an unknown interpreter or parent, and cascades removal", async () => {
      const { kb: k } = await fresh();
      const bubble = (id: string, parent: string) => ({
        id,
        interpreterId: "3.11.7",
        path: `/h/envs/${parent}/bubbles/${id}`,
        kind: "bubble" as const,
        parentId: parent,
        name: id.split("-")[0]!,
        version: id.split("-")[1]!,
      });
      await assert.rejects(
        k.putEnvironment({ ...bubble("x-1", "main"), kind: "main", parentId: null }),
        (e: unknown) => e instanceof KbMissing && /interpreter "3.11.7"/.test(e.message),
      );
      await withEnvironment(k, "main");
      await withEnvironment(k, "other");
      await assert.rejects(k.putEnvironment(bubble("rich-13.0", "nope")), KbMissing);
      await k.putEnvironment(bubble("rich-13.0", "main"));
      await k.putEnvironment(bubble("attrs-21.0", "main"));
      await k.putEnvironment(bubble("six-1.0", "other"));
      await k.putEnvironment(bubble("attrs-21.0", "main"));
      await k.putEnvironment({ ...bubble("six-1.0", "other"), path: "/moved", version: null });
      assert.deepEqual(await k.getEnvironment("six-1.0"), {
        ...bubble("six-1.0", "other"),
        path: "/moved",
        version: null,
      });
      await k.putEnvironment(bubble("six-1.0", "other"));
      assert.deepEqual(await k.getEnvironment("attrs-21.0"), bubble("attrs-21.0", "main"));
      assert.deepEqual(await k.getEnvironment("six-1.0"), bubble("six-1.0", "other"));
      assert.deepEqual(
        (await k.listEnvironments({ parentId: "main" })).map((e) => e.id),
        ["attrs-21.0", "rich-13.0"],
      );
      assert.deepEqual(
        (await k.listEnvironments({ kind: "main" })).map((e) => e.id),
        ["main", "other"],
      );
      assert.equal((await k.listEnvironments({ interpreterId: "3.11.7" })).length, 5);
      assert.equal((await k.listEnvironments({ interpreterId: "nope" })).length, 0);
      await k.applyChange({ envId: "rich-13.0", put: [dist("rich", "13.0")], revision: { command: "x" } });
      await k.applyChange({ envId: "main", put: [dist("attrs", "23.1")], revision: { command: "y" } });

      await k.removeEnvironment("main");
      assert.deepEqual(
        (await k.listEnvironments()).map((e) => e.id),
        ["other", "six-1.0"],
      );
      assert.deepEqual(await k.listDistributions("main"), []);
      assert.deepEqual(await k.listDistributions("rich-13.0"), []);
      assert.deepEqual(await k.listRevisions("main"), []);
      // Recreated with the same id, it starts empty.
      await withEnvironment(k, "main");
      assert.equal(await k.applyChange({ envId: "main", revision: { command: "z" } }), 1);

      await k.removeInterpreter("3.11.7");
      assert.deepEqual(await k.listEnvironments(), []);
      const counts = await k.counts();
      assert.equal(counts.environments + counts.distributions + counts.revisions + counts.interpreters, 0);
    });

    it("applies changes: puts, replaces and removes distributions with their files", async () => {
      const { kb: k } = await fresh();
      await withEnvironment(k);
      const none = await k.applyChange({
        envId: "3.11.7",
        put: [dist("rich", "13.4.2", 3), dist("attrs", "23.1.0", 1)],
      });
      assert.equal(none, undefined, "no revision asked, none recorded");
      assert.deepEqual(await k.getDistribution("3.11.7", "rich"), dist("rich", "13.4.2", 3));
      assert.deepEqual(await k.listDistributions("3.11.7"), [
        {
          name: "attrs",
          version: "23.1.0",
          installer: "omnipkg",
          wheelSha256: "w-attrs-23.1.0",
          requested: false,
          fileCount: 1,
        },
        {
          name: "rich",
          version: "13.4.2",
          installer: "omnipkg",
          wheelSha256: "w-rich-13.4.2",
          requested: false,
          fileCount: 3,
        },
      ]);
      const pipInstalled = dist("six", "1.16.0", 1, { installer: "pip", wheelSha256: null, requested: true });
      pipInstalled.files.unshift({
        path: "lib/python3.11/site-packages/six-1.16.0.dist-info/RECORD",
        sha256: null,
        size: null,
      });
      await k.applyChange({
        envId: "3.11.7",
        put: [dist("rich", "14.0.0", 1), pipInstalled],
        remove: ["attrs"],
      });
      assert.deepEqual(
        await k.getDistribution("3.11.7", "rich"),
        dist("rich", "14.0.0", 1),
        "files replaced, not merged",
      );
      assert.deepEqual(await k.getDistribution("3.11.7", "six"), pipInstalled);
      assert.equal(await k.getDistribution("3.11.7", "attrs"), undefined);
      assert.deepEqual(
        (await k.listDistributions("3.11.7")).map((d) => `${d.name}==${d.version}`),
        ["rich==14.0.0", "six==1.16.0"],
      );
      assert.equal(await k.getDistribution("no-such-env", "rich"), undefined);
      assert.deepEqual(await k.listDistributions("no-such-env"), []);
    });

    it("refuses a change to an unknown environment and writes nothing", async () => {
      const { kb: k } = await fresh();
      const before = await k.counts();
      await assert.rejects(
        k.applyChange({ envId: "ghost", put: [dist("rich", "1.0")], revision: { command: "install rich" } }),
        (e: unknown) => e instanceof KbMissing && /environment "ghost"/.test(e.message),
      );
      assert.deepEqual(await k.counts(), before);
      await assert.rejects(k.applyChange({ envId: "ghost", put: [dist("a", "1")], remove: ["a"] }), /twice/);
    });

    it("numbers revisions 1, 2, 3 per environment and keeps their contents", async () => {
      const { kb: k } = await fresh();
      await withEnvironment(k, "e1");
      await withEnvironment(k, "e2");
      const first = await k.applyChange({
        envId: "e1",
        put: [dist("rich", "13.4.2")],
        revision: {
          command: "omnipkg install rich==13.4.2",
          timeMs: 1700000000000,
          added: [{ name: "rich", version: "13.4.2", wheelSha256: "w" }],
        },
      });
      const second = await k.applyChange({
        envId: "e1",
        revision: {
          command: "omnipkg install rich==14",
          timeMs: 1700000001000,
          changed: [{ name: "rich", version: "14.0.0", fromVersion: "13.4.2" }],
          movedIntoBubble: [{ name: "rich", version: "13.4.2", bubble: "rich-13.4.2" }],
          movedOutOfBubble: [{ name: "attrs", version: "23.1.0", bubble: "attrs-23.1.0" }],
          removed: [{ name: "six", version: "1.16.0" }],
        },
      });
      const other = await k.applyChange({ envId: "e2", revision: { command: "omnipkg install six" } });
      assert.deepEqual([first, second, other], [1, 2, 1]);
      assert.deepEqual(await k.getRevision("e1", 1), {
        envId: "e1",
        number: 1,
        command: "omnipkg install rich==13.4.2",
        timeMs: 1700000000000,
        added: [{ name: "rich", version: "13.4.2", wheelSha256: "w" }],
        removed: [],
        changed: [],
        movedIntoBubble: [],
        movedOutOfBubble: [],
      });
      const latest = (await k.listRevisions("e1"))[0]!;
      assert.equal(latest.number, 2);
      assert.deepEqual(latest.movedIntoBubble, [{ name: "rich", version: "13.4.2", bubble: "rich-13.4.2" }]);
      assert.deepEqual(latest.movedOutOfBubble, [
        { name: "attrs", version: "23.1.0", bubble: "attrs-23.1.0" },
      ]);
      assert.deepEqual(latest.changed, [{ name: "rich", version: "14.0.0", fromVersion: "13.4.2" }]);
      assert.deepEqual(latest.removed, [{ name: "six", version: "1.16.0" }]);
      assert.deepEqual(
        (await k.listRevisions("e1", { limit: 1 })).map((r) => r.number),
        [2],
      );
      assert.equal(await k.getRevision("e1", 3), undefined);
      const now = (await k.getRevision("e2", 1))!.timeMs;
      assert.ok(Math.abs(now - Date.now()) < 60_000, "time defaults to now");
    });

    it("keeps a revision's environment snapshot, and copies it in export/import", async () => {
      const { kb: k } = await fresh();
      await withEnvironment(k, "e1");
      const state = {
        main: [{ name: "rich", version: "13.4.2", wheelSha256: "a".repeat(64) }],
        bubbles: [
          {
            folder: "six-1.16.0",
            name: "six",
            version: "1.16.0",
            dists: [
              {
                name: "six",
                version: "1.16.0",
                wheelSha256: null,
                location: "bubble" as const,
                topLevel: ["six"],
              },
            ],
          },
        ],
      };
      await k.applyChange({ envId: "e1", revision: { command: "with", state } });
      await k.applyChange({ envId: "e1", revision: { command: "without" } });
      assert.deepEqual((await k.getRevision("e1", 1))?.state, state);
      assert.equal((await k.getRevision("e1", 2))?.state, undefined);
      assert.deepEqual((await k.listRevisions("e1"))[1]?.state, state);
      const dump = await k.exportAll();
      await k.importAll(dump);
      assert.deepEqual((await k.getRevision("e1", 1))?.state, state);
      assert.equal((await k.getRevision("e1", 2))?.state, undefined);
    });

    it("never loses or duplicates a revision number when two processes record at once", async () => {
      const h = await fresh();
      await withEnvironment(h.kb, "shared-env");
      const perChild = 40;
      const startAt = String(Date.now() + 2500);
      const [a, b] = await Promise.all([
        runChild([h.home, h.url, "shared-env", String(perChild), "alpha", startAt]),
        runChild([h.home, h.url, "shared-env", String(perChild), "beta", startAt]),
      ]);
      if (process.env.OMNIPKG_DEBUG) console.log(JSON.stringify({ a, b }));
      const all = [...a!, ...b!].sort((x, y) => x - y);
      assert.deepEqual(
        all,
        Array.from({ length: 2 * perChild }, (_, i) => i + 1),
      );
      const revisions = await h.kb.listRevisions("shared-env");
      assert.equal(revisions.length, 2 * perChild);
      // Each process's own numbers rose in order, and the stored command matches the number it got.
      for (const [tag, numbers] of [
        ["alpha", a!],
        ["beta", b!],
      ] as const) {
        numbers.forEach((n, i) =>
          assert.equal(revisions.find((r) => r.number === n)?.command, `${tag} ${i}`),
        );
      }
      assert.equal(
        await h.kb.applyChange({ envId: "shared-env", revision: { command: "after" } }),
        2 * perChild + 1,
      );
    });

    it("keeps store references", async () => {
      const { kb: k } = await fresh();
      const files = [
        { path: "rich/__init__.py", sha256: "a".repeat(64), size: 10, mode: 0o644 },
        { path: "bin/rich", sha256: "b".repeat(64), size: 20, mode: 0o755 },
      ];
      await k.putStoreRefs([{ wheelSha256: "f".repeat(64), files }]);
      await k.putStoreRefs([{ wheelSha256: "e".repeat(64), files: [] }]);
      assert.deepEqual(await k.getStoreRef("f".repeat(64)), files);
      assert.deepEqual(await k.listStoreRefs(), ["e".repeat(64), "f".repeat(64)]);
      await k.removeStoreRef("e".repeat(64));
      assert.equal(await k.getStoreRef("e".repeat(64)), undefined);
      assert.deepEqual(await k.listStoreRefs(), ["f".repeat(64)]);
      assert.deepEqual(
        await k.knownStoreRefs(["e".repeat(64), "f".repeat(64), "f".repeat(64)]),
        new Set(["f".repeat(64)]),
      );
      assert.deepEqual(await k.knownStoreRefs([]), new Set());
      await k.putStoreRefs([
        { wheelSha256: "d".repeat(64), files: [files[0]!] },
        { wheelSha256: "f".repeat(64), files: [files[1]!] },
      ]);
      await k.putStoreRefs([]);
      assert.deepEqual(await k.getStoreRef("d".repeat(64)), [files[0]]);
      assert.deepEqual(await k.getStoreRef("f".repeat(64)), [files[1]], "replaced");
      assert.deepEqual(
        await k.knownStoreRefs(["c".repeat(64), "d".repeat(64), "f".repeat(64)]),
        new Set(["d".repeat(64), "f".repeat(64)]),
      );
    });

    it("keeps compatibility results, replacing a re-test", async () => {
      const { kb: k } = await fresh();
      const ok = {
        package: "kbtest-numpy",
        version: "1.26.4",
        interpreter: "cpython-3.11.7-linux-x86_64",
        ok: true,
        message: "",
        importMs: 48.5,
        recordedAtMs: 1700000000000,
      };
      const failed = {
        ...ok,
        interpreter: "cpython-3.13.0-linux-x86_64",
        ok: false,
        message: "ImportError: x",
        importMs: null,
      };
      await k.putCompat(ok);
      await k.putCompat(failed);
      await k.putCompat({ ...ok, package: "kbtest-other" });
      assert.deepEqual(await k.getCompat(ok.package, ok.version, ok.interpreter), ok);
      assert.deepEqual(await k.getCompat(ok.package, ok.version, failed.interpreter), failed);
      assert.equal(await k.getCompat(ok.package, "0.0", ok.interpreter), undefined);
      assert.deepEqual(await k.listCompat({ package: "kbtest-numpy" }), [ok, failed]);
      await k.putCompat({ ...failed, ok: true, message: "fixed" });
      assert.equal((await k.getCompat(ok.package, ok.version, failed.interpreter))?.ok, true);
    });

    it("caches project metadata and core-metadata blobs", async () => {
      const { kb: k } = await fresh();
      const entry = {
        project: "kbtest-rich",
        versions: ["13.4.2", "14.0.0"],
        data: { etag: "x", n: 2 },
        fetchedAtMs: 17,
      };
      await k.putProjectMetadata(entry);
      assert.deepEqual(await k.getProjectMetadata("kbtest-rich"), entry);
      await k.putProjectMetadata({ ...entry, versions: ["14.0.0"] });
      assert.deepEqual((await k.getProjectMetadata("kbtest-rich"))?.versions, ["14.0.0"]);
      assert.equal(await k.getProjectMetadata("kbtest-none"), undefined);
      const text = "Metadata-Version: 2.1\nName: rich\nVersion: 14.0.0\n\nlong description ✓\n";
      await k.putMetadataBlobs([
        { project: "kbtest-rich", filename: "rich-14.0.0-py3-none-any.whl", text },
        { project: "kbtest-rich", filename: "rich-14.1.0-py3-none-any.whl", text: "Name: rich\n" },
      ]);
      assert.equal(await k.getMetadataBlob("kbtest-rich", "rich-14.0.0-py3-none-any.whl"), text);
      assert.equal(await k.getMetadataBlob("kbtest-rich", "rich-14.1.0-py3-none-any.whl"), "Name: rich\n");
      await k.putMetadataBlobs([]);
      assert.equal(await k.getMetadataBlob("kbtest-rich", "rich-13.4.2-py3-none-any.whl"), undefined);
    });

    it("counts, exports and imports everything, keeping revision numbering", async () => {
      const source = (await fresh()).kb;
      const target = (await fresh()).kb;
      await source.putProbe({ path: "/p", mtimeMs: 1, size: 2 }, sampleFacts());
      await withEnvironment(source, "main");
      await source.putEnvironment({
        id: "rich-13",
        interpreterId: "3.11.7",
        path: "/b",
        kind: "bubble",
        parentId: "main",
        name: "rich",
        version: "13",
      });
      await source.applyChange({
        envId: "main",
        put: [dist("a", "1", 4), dist("b", "2", 0)],
        revision: { command: "1" },
      });
      await source.applyChange({
        envId: "rich-13",
        put: [dist("rich", "13", 5)],
        revision: { command: "2" },
      });
      await source.applyChange({
        envId: "main",
        revision: { command: "3", removed: [{ name: "c", version: "1" }] },
      });
      await source.putStoreRefs([
        { wheelSha256: "s".repeat(64), files: [{ path: "x", sha256: "y", size: 1, mode: 420 }] },
      ]);
      const counts = await source.counts();
      assert.deepEqual(
        [
          counts.probes,
          counts.interpreters,
          counts.environments,
          counts.distributions,
          counts.files,
          counts.revisions,
          counts.storeRefs,
        ],
        [1, 1, 2, 3, 9, 3, 1],
      );
      // The target had its own records; an import replaces them.
      await withEnvironment(target, "stale");
      const dump = await source.exportAll();
      await target.importAll(dump);
      const copied = await target.exportAll();
      assert.deepEqual(copied, dump);
      assert.deepEqual(await target.counts(), counts);
      assert.equal(await target.applyChange({ envId: "main", revision: { command: "4" } }), 3);
      assert.equal(await target.applyChange({ envId: "rich-13", revision: { command: "5" } }), 2);
    });
  });
}
