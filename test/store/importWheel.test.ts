import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { importWheel } from "../../src/store/importWheel.ts";
import { createStore } from "../../src/store/index.ts";
import { buildWheel } from "../helpers/buildWheel.ts";
import { listTree, tempDirFactory } from "./storeDirs.ts";

const tempDir = tempDirFactory("store");

describe("importWheel", () => {
  it("stores every file by content, read-only, and writes a manifest", async () => {
    const root = tempDir();
    const wheel = buildWheel(
      {
        name: "demo-pkg",
        version: "1.0",
        files: { "demo_pkg/__init__.py": "X = 1\n", "demo_pkg/tool.sh": "#!/bin/sh\necho hi\n" },
        executables: ["demo_pkg/tool.sh"],
      },
      root,
    );
    const store = createStore(join(root, "store"));
    const manifest = await store.importWheel(wheel.path, { expectedSha256: wheel.sha256 });
    assert.equal(manifest.sha256, wheel.sha256);
    assert.equal(manifest.distInfo, "demo_pkg-1.0.dist-info");
    assert.equal(manifest.name, "demo_pkg");
    assert.deepEqual(manifest.files.map((f) => f.path).sort(), [
      "demo_pkg-1.0.dist-info/METADATA",
      "demo_pkg-1.0.dist-info/RECORD",
      "demo_pkg-1.0.dist-info/WHEEL",
      "demo_pkg/__init__.py",
      "demo_pkg/tool.sh",
    ]);
    const init = manifest.files.find((f) => f.path === "demo_pkg/__init__.py")!;
    assert.equal(init.size, 6);
    assert.match(init.sha256, /^[0-9a-f]{64}$/);
    const initPath = store.filePath(init.sha256);
    assert.equal(initPath, join(root, "store", "files", init.sha256.slice(0, 2), init.sha256.slice(2)));
    assert.equal(statSync(initPath).mode & 0o777, 0o444);
    const tool = manifest.files.find((f) => f.path === "demo_pkg/tool.sh")!;
    assert.equal(tool.mode, 0o755);
    assert.equal(statSync(store.filePath(tool.sha256)).mode & 0o777, 0o555);
    assert.ok(existsSync(join(root, "store", "wheels", `${wheel.sha256}.json`)));
    assert.deepEqual(store.manifest(wheel.sha256), manifest);
    assert.deepEqual(listTree(join(root, "store", "tmp")), []);
  });

  it("stores entries larger than 4 MiB (inflated in one piece) byte for byte", async () => {
    const root = tempDir();
    // Pseudo-random, so deflate keeps it large, and past the old 4 MiB streaming threshold.
    const big = Buffer.alloc(5 * 1024 * 1024 + 3);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const wheel = buildWheel({ name: "big", version: "1.0", files: { "big/blob.bin": big } }, root);
    const store = createStore(join(root, "store"));
    const manifest = await store.importWheel(wheel.path);
    const blob = manifest.files.find((f) => f.path === "big/blob.bin")!;
    assert.equal(blob.size, big.length);
    assert.equal(blob.sha256, createHash("sha256").update(big).digest("hex"));
    assert.ok(readFileSync(store.filePath(blob.sha256)).equals(big));
    assert.deepEqual(listTree(join(root, "store", "tmp")), []);
  });

  it("calls onCommit once every content file is stored, before the manifest exists", async () => {
    const root = tempDir();
    const wheel = buildWheel({ name: "commit", version: "1.0", files: { "commit/a.py": "A = 1\n" } }, root);
    const store = createStore(join(root, "store"));
    const manifestFile = join(root, "store", "wheels", `${wheel.sha256}.json`);
    const seen: boolean[] = [];
    const dirs = {
      filesDir: join(root, "store", "files"),
      wheelsDir: join(root, "store", "wheels"),
      tmpDir: join(root, "store", "tmp"),
    };
    const manifest = await importWheel(dirs, wheel.path, {
      onCommit: () => {
        seen.push(existsSync(manifestFile));
        const files = listTree(dirs.filesDir).filter((p) => !p.includes(".tmp-"));
        assert.equal(files.length, 4, "every content file is in place");
      },
    });
    assert.deepEqual(seen, [false]);
    assert.ok(existsSync(manifestFile), "the manifest is written when the import resolves");
    assert.deepEqual(store.manifest(wheel.sha256), manifest);
    assert.deepEqual(
      readdirSync(dirs.wheelsDir).filter((n) => n.endsWith(".tmp")),
      [],
      "no manifest temp left",
    );
  });

  it("is a no-op the second time, and shares identical bytes between wheels", async () => {
    const root = tempDir();
    const shared = "SHARED = 'x' * 100\n".repeat(50);
    const v1 = buildWheel(
      { name: "dup", version: "1.0", files: { "dup/__init__.py": shared, "dup/v.py": "V = 1\n" } },
      root,
    );
    const v2 = buildWheel(
      { name: "dup", version: "2.0", files: { "dup/__init__.py": shared, "dup/v.py": "V = 2\n" } },
      root,
    );
    const store = createStore(join(root, "store"));
    await store.importWheel(v1.path);
    const before = listTree(join(root, "store", "files"));
    const ino = statSync(join(root, "store", "files", before[0]!)).ino;
    await store.importWheel(v1.path);
    assert.deepEqual(listTree(join(root, "store", "files")), before);
    assert.equal(statSync(join(root, "store", "files", before[0]!)).ino, ino, "the file was not rewritten");
    await store.importWheel(v2.path);
    const status = store.status();
    assert.equal(status.wheels, 2);
    // v2 adds its own v.py, METADATA, RECORD; __init__.py and WHEEL are shared.
    assert.equal(status.files, before.length + 3);
    assert.ok(status.referencedBytes > status.uniqueBytes);
    assert.ok(status.ratio > 1.5, `ratio ${status.ratio}`);
  });

  it("re-imports a wheel whose stored files went missing", async () => {
    const root = tempDir();
    const wheel = buildWheel(
      { name: "heal", version: "1.0", files: { "heal/__init__.py": "H = 1\n" } },
      root,
    );
    const store = createStore(join(root, "store"));
    const manifest = await store.importWheel(wheel.path);
    const victim = store.filePath(manifest.files[0]!.sha256);
    rmSync(victim);
    await store.importWheel(wheel.path);
    assert.ok(existsSync(victim));
  });

  it("replaces a damaged store file of the wrong size on the next import of the same bytes", async () => {
    const root = tempDir();
    const wheel = buildWheel({ name: "fix", version: "1.0", files: { "fix/__init__.py": "F = 1\n" } }, root);
    const store = createStore(join(root, "store"));
    const manifest = await store.importWheel(wheel.path);
    const file = manifest.files.find((f) => f.path === "fix/__init__.py")!;
    const victim = store.filePath(file.sha256);
    rmSync(victim);
    writeFileSync(victim, "torn", { mode: 0o444 });
    rmSync(join(root, "store", "wheels", `${wheel.sha256}.json`));
    await store.importWheel(wheel.path);
    assert.equal(statSync(victim).size, file.size);
    assert.deepEqual((await store.verify()).corrupted, []);
  });
});

describe("importWheel warm path", () => {
  it("returns the stored manifest for a known expected hash without reading the file", async () => {
    const root = tempDir();
    const wheel = buildWheel(
      { name: "warm", version: "1.0", files: { "warm/__init__.py": "W = 1\n" } },
      root,
    );
    const store = createStore(join(root, "store"));
    const manifest = await store.importWheel(wheel.path, { expectedSha256: wheel.sha256 });
    rmSync(wheel.path);
    assert.deepEqual(
      await store.importWheel(wheel.path, { expectedSha256: wheel.sha256.toUpperCase() }),
      manifest,
    );
    await assert.rejects(
      store.importWheel(wheel.path, { expectedSha256: "ab".repeat(32) }),
      /The wheel file .*warm-1\.0-py3-none-any\.whl does not exist/,
    );
  });
});
