import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { OmnipkgError } from "../../src/core/errors.ts";
import { installWheels, listInstalled, schemeForEnv, uninstall } from "../../src/install/index.ts";
import { createLinker, createStore, type Linker } from "../../src/store/index.ts";
import { buildWheel } from "../helpers/buildWheel.ts";
import { diffSnapshots, makeFakeEnv, snapshotTree } from "./envHelpers.ts";

/** Failures inside a transaction, in a live process: the environment ends exactly as it began. */

const roots: string[] = [];
const mounts: string[] = [];
after(() => {
  for (const mount of mounts) execFileSync("umount", [mount]);
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

async function setup(envDir?: string) {
  const root = mkdtempSync(join(tmpdir(), "omnipkg-ifaults-"));
  roots.push(root);
  const store = createStore(join(root, "store"));
  const body: Record<string, string> = {};
  for (let i = 0; i < 12; i++) body[`pkg/m${i}.py`] = `V = ${i}\n`.repeat(2000);
  const v1 = await store.importWheel(
    buildWheel({ name: "pkg", version: "1.0", files: { ...body, "pkg/old.py": "O = 1\n" } }, root).path,
  );
  const v2 = await store.importWheel(
    buildWheel(
      {
        name: "pkg",
        version: "2.0",
        files: { ...body, "pkg/new.py": "N = 1\n" },
        entryPoints: { console_scripts: { pkg: "pkg:main" } },
      },
      root,
    ).path,
  );
  const env = makeFakeEnv(envDir ?? join(root, "env"));
  const scheme = schemeForEnv(env);
  installWheels(store, scheme, [{ manifest: v1, requested: true }]);
  return { root, store, v1, v2, env, scheme, before: snapshotTree(env) };
}

function injectedError(code: string): Error {
  return Object.assign(new Error(`${code}: injected`), { code, syscall: "write" });
}

describe("installer faults leave the environment unchanged", () => {
  for (const at of [0, 5, 20]) {
    it(`an error while applying step ${at} rolls back`, async () => {
      const { store, v2, env, scheme, before } = await setup();
      assert.throws(
        () =>
          installWheels(store, scheme, [{ manifest: v2, requested: true }], {
            hooks: {
              beforeApply: (i) => {
                if (i === at) throw injectedError("EIO");
              },
            },
          }),
        /EIO: injected/,
      );
      assert.deepEqual(diffSnapshots(before, snapshotTree(env)), []);
      assert.ok(!existsSync(join(scheme.purelib, ".omnipkg-txn")));
      assert.deepEqual(
        listInstalled(scheme).map((d) => d.version),
        ["1.0"],
      );
    });
  }

  it("an error in the middle of an uninstall rolls back", async () => {
    const { env, scheme, before } = await setup();
    assert.throws(
      () =>
        uninstall(scheme, ["pkg"], {
          hooks: {
            beforeApply: (i) => {
              if (i === 7) throw injectedError("EIO");
            },
          },
        }),
      /EIO/,
    );
    assert.deepEqual(diffSnapshots(before, snapshotTree(env)), []);
  });

  it("a full disk while staging (injected ENOSPC) is a clear error", async () => {
    const { store, v2, env, scheme, before } = await setup();
    const real = createLinker();
    let calls = 0;
    const failing: Linker = {
      linkFile(src, dest, mode) {
        if (++calls === 6) throw injectedError("ENOSPC");
        return real.linkFile(src, dest, mode);
      },
      methodFor: (dir) => real.methodFor(dir),
    };
    assert.throws(
      () => installWheels(store, scheme, [{ manifest: v2, requested: true }], { linker: failing }),
      (error: unknown) => {
        assert.ok(error instanceof OmnipkgError);
        assert.equal(error.code, "NO_SPACE");
        assert.match(error.message, /not enough disk space to install into/);
        return true;
      },
    );
    assert.deepEqual(diffSnapshots(before, snapshotTree(env)), []);
  });

  it("a full disk for real (environment on a tiny tmpfs, files copied across filesystems)", async (t) => {
    const mount = mkdtempSync(join(tmpdir(), "omnipkg-tmpfs-"));
    roots.push(mount);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mount], { stdio: "ignore" });
    } catch {
      t.skip("cannot mount a tmpfs here (not root); the injected ENOSPC case covers the path");
      return;
    }
    mounts.push(mount);
    const { root, store, env, scheme, before } = await setup(join(mount, "env"));
    // A wheel bigger than the whole tmpfs: staging must fail part-way.
    const noise: Record<string, Buffer> = {};
    for (let f = 0; f < 4; f++) {
      const data = Buffer.alloc(100 * 1024);
      for (let i = 0; i < data.length; i++) data[i] = ((i + f) * 2654435761) >>> 24;
      noise[`pkg/blob${f}.bin`] = data;
    }
    const big = await store.importWheel(buildWheel({ name: "pkg", version: "3.0", files: noise }, root).path);
    const warnings: string[] = [];
    assert.throws(
      () =>
        installWheels(store, scheme, [{ manifest: big, requested: true }], { warn: (m) => warnings.push(m) }),
      (error: unknown) => error instanceof OmnipkgError && error.code === "NO_SPACE",
    );
    assert.deepEqual(diffSnapshots(before, snapshotTree(env)), []);
    assert.equal(warnings.length, 1, "copying across filesystems warns once");
  });
});
