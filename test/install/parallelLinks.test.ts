import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, describe, it } from "node:test";
import { installWheels, schemeForEnv } from "../../src/install/index.ts";
import { setTimeout as sleep } from "node:timers/promises";
import {
  encodeUnits,
  MIN_PARALLEL_FILES,
  planUnits,
  prestartLinkHelper,
  type LinkFolder,
} from "../../src/install/parallelLinks.ts";
import { createLinker, createStore, type Linker } from "../../src/store/index.ts";
import { buildWheel } from "../helpers/buildWheel.ts";
import { diffSnapshots, makeFakeEnv, snapshotTree } from "./envHelpers.ts";

/** Big installs stage their hard links on two threads: same tree, same errors, same Linker rules. */

const roots: string[] = [];
const savedThreads = process.env.OMNIPKG_IMPORT_THREADS;
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});
afterEach(() => {
  if (savedThreads === undefined) delete process.env.OMNIPKG_IMPORT_THREADS;
  else process.env.OMNIPKG_IMPORT_THREADS = savedThreads;
});

const FOLDERS = 60;
const FILES_PER_FOLDER = 8;

async function setup() {
  const root = mkdtempSync(join(tmpdir(), "omnipkg-plinks-"));
  roots.push(root);
  const store = createStore(join(root, "store"));
  const files: Record<string, string> = {};
  for (let d = 0; d < FOLDERS; d++)
    for (let f = 0; f < FILES_PER_FOLDER; f++)
      files[`big/sub${d % 7}/d${d}/m${f}.py`] = `D = ${d}\nF = ${f}\n`;
  files["big/__init__.py"] = "";
  const manifest = await store.importWheel(buildWheel({ name: "big", version: "1.0", files }, root).path);
  assert.ok(manifest.files.length >= MIN_PARALLEL_FILES, "the wheel is big enough for the helper");
  const newEnv = (name: string) => {
    const env = makeFakeEnv(join(root, name));
    return { env, scheme: schemeForEnv(env) };
  };
  return { root, store, manifest, newEnv };
}

describe("parallel staging of links", () => {
  it("gives the same environment on two threads as on one, hard-linked to the store", async () => {
    const { store, manifest, newEnv } = await setup();
    process.env.OMNIPKG_IMPORT_THREADS = "2";
    const a = newEnv("a");
    installWheels(store, a.scheme, [{ manifest, requested: true }]);
    process.env.OMNIPKG_IMPORT_THREADS = "0";
    const b = newEnv("b");
    installWheels(store, b.scheme, [{ manifest, requested: true }]);
    const snapA = snapshotTree(a.env);
    assert.ok(snapA.size > FOLDERS * FILES_PER_FOLDER);
    assert.deepEqual(diffSnapshots(snapA, snapshotTree(b.env)), []);
    for (const file of manifest.files.filter((f) => f.path.startsWith("big/"))) {
      const installed = statSync(join(a.scheme.purelib, file.path));
      assert.equal(installed.ino, statSync(store.filePath(file.sha256)).ino, `${file.path} is a hard link`);
    }
    assert.equal(existsSync(join(a.scheme.purelib, ".omnipkg-txn")), false);
  });

  it("a store file that vanished fails the install with its errno code and changes nothing", async () => {
    const { store, manifest, newEnv } = await setup();
    process.env.OMNIPKG_IMPORT_THREADS = "2";
    const { env, scheme } = newEnv("env");
    const before = snapshotTree(env);
    // A file late in the list, so either thread may meet it.
    const victim = manifest.files.filter((f) => f.path.startsWith("big/")).at(-3)!;
    rmSync(store.filePath(victim.sha256), { force: true });
    assert.throws(
      () => installWheels(store, scheme, [{ manifest, requested: true }]),
      (error: NodeJS.ErrnoException) => error.code === "ENOENT",
    );
    assert.deepEqual(diffSnapshots(before, snapshotTree(env)), []);
    assert.equal(existsSync(join(scheme.purelib, ".omnipkg-txn")), false);
    assert.equal(existsSync(join(scheme.purelib, "big")), false);
  });

  it("a Linker that does not allow direct hard links stages every file itself", async () => {
    const { store, manifest, newEnv } = await setup();
    process.env.OMNIPKG_IMPORT_THREADS = "2";
    const real = createLinker();
    let calls = 0;
    const counting: Linker = {
      linkFile(src, dest, mode) {
        calls++;
        return real.linkFile(src, dest, mode);
      },
      methodFor: (dir) => real.methodFor(dir),
    };
    const { scheme } = newEnv("env");
    installWheels(store, scheme, [{ manifest, requested: true }], { linker: counting });
    const linked = manifest.files.filter((f) => f.path.startsWith("big/")).length;
    // Plus the wheel's own METADATA and WHEEL (RECORD is written, not linked).
    assert.equal(calls, linked + 2);
  });

  it("a helper started early (it has booted) stages links and written files like one thread", async () => {
    const { store, manifest, newEnv } = await setup();
    process.env.OMNIPKG_IMPORT_THREADS = "0";
    const a = newEnv("a");
    installWheels(store, a.scheme, [{ manifest, requested: true }]);
    process.env.OMNIPKG_IMPORT_THREADS = "2";
    prestartLinkHelper();
    await sleep(300);
    const b = newEnv("b");
    installWheels(store, b.scheme, [{ manifest, requested: true }]);
    assert.deepEqual(diffSnapshots(snapshotTree(a.env), snapshotTree(b.env)), []);
    for (const file of manifest.files.filter((f) => f.path.startsWith("big/"))) {
      const installed = statSync(join(b.scheme.purelib, file.path));
      assert.equal(installed.ino, statSync(store.filePath(file.sha256)).ino, `${file.path} is a hard link`);
    }
  });
});

describe("folders made while planning", () => {
  it("a wheel that fails planning after another was planned leaves no staging folder behind", async () => {
    const { root, store, manifest, newEnv } = await setup();
    // Imported fine (import does not judge Wheel-Version), refused when planned.
    const future = await store.importWheel(
      buildWheel(
        { name: "future", version: "1.0", wheelVersion: "2.0", files: { "future/__init__.py": "" } },
        root,
      ).path,
    );
    process.env.OMNIPKG_IMPORT_THREADS = "2";
    prestartLinkHelper();
    await sleep(300);
    const { env, scheme } = newEnv("env");
    const before = snapshotTree(env);
    assert.throws(() =>
      installWheels(store, scheme, [
        { manifest, requested: true },
        { manifest: future, requested: true },
      ]),
    );
    assert.equal(existsSync(join(scheme.purelib, ".omnipkg-txn")), false);
    assert.deepEqual(diffSnapshots(before, snapshotTree(env)), []);
    // And the next install is not disturbed by anything left running.
    installWheels(store, scheme, [{ manifest, requested: true }]);
    assert.ok(existsSync(join(scheme.purelib, "big", "__init__.py")));
    assert.equal(existsSync(join(scheme.purelib, ".omnipkg-txn")), false);
  });
});

describe("work units", () => {
  const folder = (dir: string, unit: string, files: number): LinkFolder => ({
    dir,
    unit,
    files: Array.from({ length: files }, (_, i) => ({
      src: `/store/${dir}/${i}`,
      dest: `${dir}/f${i}`,
      mode: 0o644,
    })),
  });

  it("keeps small trees whole, splits a big one by subfolder, biggest first, every folder once", () => {
    const folders = [
      folder("/s/big", "/s/big", 2),
      folder("/s/big/a", "/s/big", 300),
      folder("/s/big/a/x", "/s/big", 100),
      folder("/s/big/b", "/s/big", 200),
      folder("/s/big/c", "/s/big", 5),
      folder("/s/small", "/s/small", 3),
      folder("/s/small/sub", "/s/small", 1),
      folder("/s/top", "/s/top", 10),
    ];
    const units = planUnits(folders);
    const dirs = (unit: LinkFolder[]) => unit.map((f) => f.dir);
    assert.deepEqual(
      units
        .flat()
        .map((f) => f.dir)
        .sort(),
      folders.map((f) => f.dir).sort(),
    );
    assert.deepEqual(dirs(units[0]!), ["/s/big/a"], "a big tree is split down to units under an eighth");
    assert.deepEqual(dirs(units[1]!), ["/s/big/b"]);
    assert.ok(
      units.some((u) => dirs(u).join() === "/s/small,/s/small/sub"),
      "a small tree stays whole",
    );
    const costs = units.map((u) => u.reduce((n, f) => n + 20 + f.files.length, 0));
    assert.deepEqual(
      costs,
      [...costs].sort((x, y) => y - x),
    );
  });

  it("encodes links and written bytes for the helper", () => {
    const data = new TextEncoder().encode("hello");
    const {
      text,
      modes,
      spans,
      data: bytes,
    } = encodeUnits([
      [{ dir: "/s/a", unit: "/s/a", files: [{ src: "/store/1", dest: "/s/a/x", mode: 0o755 }] }],
      [{ dir: "/s/b", unit: "/s/b", files: [{ data, dest: "/s/b/R", mode: 0o644 }] }],
    ]);
    assert.deepEqual(text.split("\0"), [
      "\u0001",
      "\u0002/s/a",
      "/store/1",
      "/s/a/x",
      "\u0001",
      "\u0002/s/b",
      "",
      "/s/b/R",
    ]);
    assert.deepEqual([...modes], [0o755, 0o644]);
    assert.deepEqual([...spans], [0, 0, 0, 5]);
    assert.equal(Buffer.from(bytes).toString(), "hello");
  });
});
