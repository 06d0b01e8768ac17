import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { installWheels, listInstalled, schemeForEnv, uninstall } from "../../src/install/index.ts";
import { createStore } from "../../src/store/index.ts";
import { findTestPythons } from "../helpers/pythons.ts";
import { diffSnapshots, snapshotTree } from "./envHelpers.ts";
import { mirrorWheels } from "./mirror.ts";

/** A large compiled wheel from the local mirror: installed, imported, used, uninstalled cleanly. */

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe("real compiled wheels", () => {
  it("numpy from the local mirror imports and computes, then uninstalls to the starting tree", async (t) => {
    const python = findTestPythons().find((p) => p.minor === "3.11");
    const wheel = python
      ? mirrorWheels(python.path, "numpy").find((w) =>
          /-cp311-cp311-manylinux[^-]*x86_64\.whl$/.test(w.filename),
        )
      : undefined;
    if (!python || !wheel) {
      t.skip("needs CPython 3.11 and a numpy cp311 wheel in a local mirror configured for pip");
      return;
    }
    const root = mkdtempSync(join(tmpdir(), "omnipkg-numpy-"));
    roots.push(root);
    const env = join(root, "venv");
    execFileSync(python.path, ["-m", "venv", "--without-pip", env], { stdio: "ignore" });
    const scheme = schemeForEnv(env);
    const start = snapshotTree(env);
    const store = createStore(join(root, "store"));
    const manifest = await store.importWheel(wheel.path);
    installWheels(store, scheme, [{ manifest, requested: true }]);
    assert.deepEqual(
      listInstalled(scheme).map((d) => d.canonicalName),
      ["numpy"],
    );
    const r = spawnSync(
      join(env, "bin", "python"),
      ["-B", "-c", "import numpy as np; print(int(np.arange(10).sum()), np.__version__)"],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `45 ${manifest.version}`);
    assert.equal(
      spawnSync(join(env, "bin", "f2py"), ["-v"], { encoding: "utf8" }).status,
      0,
      "the console script runs",
    );
    uninstall(scheme, ["numpy"]);
    assert.deepEqual(diffSnapshots(start, snapshotTree(env)), []);
  });
});
