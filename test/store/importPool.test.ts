import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { OmnipkgError } from "../../src/core/errors.ts";
import { deserializeError, importPoolState, serializeError } from "../../src/store/importPool.ts";
import { StoreError } from "../../src/store/errors.ts";
import { createStore } from "../../src/store/index.ts";
import { collectGarbage } from "../../src/store/maintenance.ts";
import { buildWheel, recordHash } from "../helpers/buildWheel.ts";
import { listTree, tempDirFactory } from "./storeDirs.ts";

/**
 * Cold imports run on worker threads (src/store/importPool.ts). These tests hold the pool to the
 * same promises as the main-thread import: concurrent imports of one wheel agree, a refused wheel
 * leaves the store as it was with the same error, and a kill -9 while workers write leaves no
 * partial content file (only temps, which gc removes).
 */

const tempDir = tempDirFactory("pool");

function modules(prefix: string, count: number, salt: string): Record<string, string> {
  const out: Record<string, string> = {};
  // Shared bodies across wheels (salt only in some files), so imports race on the same content.
  for (let i = 0; i < count; i++)
    out[`${prefix}/m${i}.py`] = `# ${i % 3 === 0 ? salt : "common"}\nV = ${i}\n`;
  return out;
}

/** Every content file's bytes hash to its name: nothing partial or foreign under a final path. */
function assertContentWhole(storeDir: string): void {
  const filesDir = join(storeDir, "files");
  for (const prefix of existsSync(filesDir) ? readdirSync(filesDir) : []) {
    for (const rest of readdirSync(join(filesDir, prefix))) {
      if (rest.startsWith(".tmp-")) continue;
      const sha = createHash("sha256")
        .update(readFileSync(join(filesDir, prefix, rest)))
        .digest("hex");
      assert.equal(sha, prefix + rest, `store/files/${prefix}/${rest} is not whole`);
    }
  }
}

describe("the import pool", () => {
  it("imports on worker threads; concurrent imports of the same wheels agree", async () => {
    const root = tempDir();
    const a = buildWheel({ name: "alpha", version: "1.0", files: modules("alpha", 120, "a") }, root);
    const b = buildWheel({ name: "beta", version: "1.0", files: modules("beta", 120, "b") }, root);
    const store = createStore(join(root, "store"));
    const results = await Promise.all([a, b, a, b, a].map((w) => store.importWheel(w.path)));
    const state = importPoolState();
    assert.ok(state.size >= 1, "tests under tsx find the worker entry");
    assert.ok(state.started >= 1, "a cold import started a worker");
    assert.deepEqual(results[2], results[0]);
    assert.deepEqual(results[4], results[0]);
    assert.deepEqual(results[3], results[1]);
    assert.equal(results[0]!.files.length, 123);
    assert.deepEqual((await store.verify()).corrupted, []);
    assert.deepEqual(
      listTree(join(root, "store", "files")).filter((p) => p.includes(".tmp-")),
      [],
      "no temp left next to content",
    );
    assert.deepEqual(listTree(join(root, "store", "tmp")), []);
    assertContentWhole(join(root, "store"));
    // A warm import answers from the manifest on this thread.
    const started = importPoolState().started;
    assert.deepEqual(await store.importWheel(a.path, { expectedSha256: a.sha256 }), results[0]);
    assert.equal(importPoolState().started, started);
  });

  it("a wheel refused in a worker leaves the store unchanged, with the error's code and hint", async () => {
    const root = tempDir();
    const storeDir = join(root, "store");
    const store = createStore(storeDir);
    await store.importWheel(
      buildWheel({ name: "seed", version: "1.0", files: modules("seed", 5, "s") }, root).path,
    );
    const before = listTree(storeDir);
    const liar = buildWheel(
      {
        name: "liar",
        version: "1.0",
        files: modules("liar", 40, "l"),
        recordOverrides: { "liar/m39.py": `${recordHash(Buffer.from("else"))},4` },
      },
      root,
    );
    const check = (code: string, pattern: RegExp) => (error: unknown) => {
      assert.ok(error instanceof OmnipkgError, `expected an OmnipkgError, got ${String(error)}`);
      assert.equal(error.code, code);
      assert.match(error.message, pattern);
      assert.ok(error.hint);
      return true;
    };
    await assert.rejects(store.importWheel(liar.path), check("RECORD_MISMATCH", /liar\/m39\.py/));
    await assert.rejects(
      store.importWheel(join(root, "nope-1.0-py3-none-any.whl")),
      check("WHEEL_NOT_FOUND", /nope-1\.0/),
    );
    await assert.rejects(
      store.importWheel(liar.path, { expectedSha256: "ab".repeat(32) }),
      check("HASH_MISMATCH", /index promised/),
    );
    assert.deepEqual(listTree(storeDir), before, "the store changed");
  });

  it("errors cross the thread boundary with their class, code, hint and errno fields", () => {
    const store = deserializeError(
      serializeError(new StoreError("NO_SPACE", "There is not enough disk space.", { hint: "Free some." })),
    );
    assert.ok(store instanceof StoreError);
    assert.equal(store.code, "NO_SPACE");
    assert.equal(store.hint, "Free some.");
    const other = deserializeError(serializeError(new OmnipkgError("X", "Plain.", { exitCode: 2 })));
    assert.ok(other instanceof OmnipkgError && !(other instanceof StoreError));
    assert.equal(other.exitCode, 2);
    const errno = Object.assign(new Error("EACCES: permission denied, open '/x'"), {
      code: "EACCES",
      syscall: "open",
      path: "/x",
      errno: -13,
    });
    const back = deserializeError(serializeError(errno)) as NodeJS.ErrnoException;
    assert.ok(!(back instanceof OmnipkgError));
    assert.deepEqual(
      [back.message, back.code, back.syscall, back.path, back.errno],
      [errno.message, "EACCES", "open", "/x", -13],
    );
  });

  it("one worker takes the next wheel while a manifest is committing; every import still resolves", async () => {
    const root = tempDir();
    const storeDir = join(root, "store");
    const wheels = ["s", "t", "u", "v"].map(
      (n) => buildWheel({ name: n, version: "1.0", files: modules(n, 30, n) }, root).path,
    );
    const child = fileURLToPath(new URL("./fixtures/importChild.ts", import.meta.url));
    // A pool of one: an answer that arrives after the worker took the next wheel must still be
    // matched to its import, or the child never prints "done".
    const output = await new Promise<string>((resolve, reject) => {
      const proc = spawn(process.execPath, ["--import", "tsx", child, storeDir, ...wheels], {
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, OMNIPKG_IMPORT_THREADS: "1" },
      });
      let out = "";
      // A lost answer leaves the worker ref()'d and the child waiting forever.
      const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
      proc.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      proc.on("error", reject);
      proc.on("exit", (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`child failed: ${code ?? signal}`));
      });
    });
    assert.match(output, /done\n/);
    const store = createStore(storeDir);
    for (const wheel of wheels) {
      const sha = createHash("sha256").update(readFileSync(wheel)).digest("hex");
      const manifest = store.manifest(sha);
      assert.ok(manifest, `${wheel} has its manifest`);
      for (const file of manifest.files) assert.ok(existsSync(store.filePath(file.sha256)));
    }
    assert.deepEqual((await store.verify()).corrupted, []);
  });

  it("kill -9 while workers write: every content file is whole, and the next import completes", async () => {
    const root = tempDir();
    const storeDir = join(root, "store");
    const wheels = ["p", "q", "r"].map(
      (n) => buildWheel({ name: n, version: "1.0", files: modules(n, 400, n) }, root).path,
    );
    const child = fileURLToPath(new URL("./fixtures/importChild.ts", import.meta.url));
    const outcomes: string[] = [];
    for (const delayMs of [5, 40, 90, 150, 250, 400]) {
      outcomes.push(
        await new Promise<string>((resolve, reject) => {
          const proc = spawn(process.execPath, ["--import", "tsx", child, storeDir, ...wheels], {
            stdio: ["ignore", "pipe", "inherit"],
          });
          let timer: NodeJS.Timeout | undefined;
          proc.stdout.on("data", (chunk: Buffer) => {
            if (timer === undefined && chunk.toString().includes("go\n"))
              timer = setTimeout(() => proc.kill("SIGKILL"), delayMs);
          });
          proc.on("error", reject);
          proc.on("exit", (code, signal) => {
            clearTimeout(timer);
            if (signal === "SIGKILL") resolve("killed");
            else if (code === 0) resolve("finished");
            else reject(new Error(`child failed with code ${code}`));
          });
        }),
      );
      assertContentWhole(storeDir);
      const store = createStore(storeDir);
      for (const name of existsSync(join(storeDir, "wheels")) ? readdirSync(join(storeDir, "wheels")) : []) {
        if (!name.endsWith(".json")) continue;
        const manifest = store.manifest(name.slice(0, 64))!;
        for (const file of manifest.files)
          assert.ok(existsSync(store.filePath(file.sha256)), "manifest last");
      }
    }
    assert.ok(outcomes.includes("killed"), `some run was killed: ${outcomes.join(", ")}`);
    const store = createStore(storeDir);
    for (const wheel of wheels) await store.importWheel(wheel);
    assert.deepEqual((await store.verify()).corrupted, []);
    // Temps (of killed runs, or this planted one) are not content, and are garbage once stale.
    const planted = join(storeDir, "files", "ab", ".tmp-planted");
    mkdirSync(join(storeDir, "files", "ab"), { recursive: true });
    writeFileSync(planted, "half");
    const status = store.status();
    assert.deepEqual((await store.verify()).corrupted, []);
    const dirs = {
      filesDir: join(storeDir, "files"),
      wheelsDir: join(storeDir, "wheels"),
      tmpDir: join(storeDir, "tmp"),
    };
    collectGarbage(
      dirs,
      wheels.map((w) => createHash("sha256").update(readFileSync(w)).digest("hex")),
    );
    assert.ok(existsSync(planted), "a fresh temp may belong to a running import");
    assert.equal(store.status().files, status.files);
    collectGarbage(dirs, [], Date.now() + 2 * 3_600_000);
    assert.equal(store.status().files, 0);
    assert.deepEqual(
      listTree(join(storeDir, "files")).filter((p) => p.includes(".tmp-")),
      [],
    );
  });
});
