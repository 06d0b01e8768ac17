import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { OmnipkgError } from "../../src/core/errors.ts";
import { installWheels, listInstalled, schemeForEnv, uninstall } from "../../src/install/index.ts";
import { createStore, parseRecord } from "../../src/store/index.ts";
import { buildWheel, type WheelSpec } from "../helpers/buildWheel.ts";
import { diffSnapshots, makeFakeEnv, snapshotTree } from "./envHelpers.ts";

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function setup(): { root: string; env: string; store: ReturnType<typeof createStore> } {
  const root = mkdtempSync(join(tmpdir(), "omnipkg-install-"));
  roots.push(root);
  return { root, env: makeFakeEnv(join(root, "env")), store: createStore(join(root, "store")) };
}

const full: WheelSpec = {
  name: "Full.Pkg",
  version: "1.2.0",
  files: { "full_pkg/__init__.py": "def main():\n    print('hello')\n", "full_pkg/data.txt": "payload\n" },
  requiresDist: ["dep>=1"],
  entryPoints: {
    console_scripts: { "full-tool": "full_pkg:main" },
    gui_scripts: { "full-gui": "full_pkg.sub:run.go" },
  },
  data: {
    scripts: { "raw-script": "#!python -u\nprint('raw')\n", "plain.sh": "#!/bin/sh\necho plain\n" },
    headers: { "full.h": "#define FULL 1\n" },
    data: { "share/full/readme.txt": "shared data\n" },
    platlib: { "full_native.py": "NATIVE = 1\n" },
  },
};

describe("installWheels: PEP 427 layout and PEP 376/610/627 metadata", () => {
  it("places every file, rewrites shebangs, writes launchers and a truthful RECORD", async () => {
    const { root, env, store } = setup();
    const wheel = buildWheel(full, root);
    const manifest = await store.importWheel(wheel.path);
    const scheme = schemeForEnv(env);
    assert.equal(scheme.pythonVersion, "3.11");
    const directUrl = { url: "file:///somewhere/x.whl", archive_info: {} };
    const result = installWheels(store, scheme, [{ manifest, requested: true, directUrl }]);
    assert.deepEqual(result, { installed: [{ name: "Full.Pkg", version: "1.2.0" }], removed: [] });

    const site = scheme.purelib;
    const distInfo = join(site, "Full_Pkg-1.2.0.dist-info");
    assert.equal(readFileSync(join(site, "full_pkg", "data.txt"), "utf8"), "payload\n");
    assert.equal(readFileSync(join(site, "full_native.py"), "utf8"), "NATIVE = 1\n");
    assert.equal(
      readFileSync(join(env, "include", "site", "python3.11", "Full.Pkg", "full.h"), "utf8"),
      "#define FULL 1\n",
    );
    assert.equal(readFileSync(join(env, "share", "full", "readme.txt"), "utf8"), "shared data\n");
    assert.equal(
      readFileSync(join(env, "bin", "raw-script"), "utf8"),
      `#!${join(env, "bin", "python")} -u\nprint('raw')\n`,
    );
    assert.equal(readFileSync(join(env, "bin", "plain.sh"), "utf8"), "#!/bin/sh\necho plain\n");
    for (const script of ["raw-script", "plain.sh", "full-tool", "full-gui"]) {
      assert.equal(statSync(join(env, "bin", script)).mode & 0o777, 0o755, script);
    }
    const launcher = readFileSync(join(env, "bin", "full-tool"), "utf8");
    assert.match(launcher, new RegExp(`^#!${join(env, "bin", "python")}\n`));
    assert.match(launcher, /from full_pkg import main\n/);
    assert.match(launcher, /sys\.exit\(main\(\)\)/);
    assert.match(
      readFileSync(join(env, "bin", "full-gui"), "utf8"),
      /from full_pkg\.sub import run\n[\s\S]*sys\.exit\(run\.go\(\)\)/,
    );
    assert.equal(readFileSync(join(distInfo, "INSTALLER"), "utf8"), "omnipkg\n");
    assert.ok(existsSync(join(distInfo, "REQUESTED")));
    assert.deepEqual(JSON.parse(readFileSync(join(distInfo, "direct_url.json"), "utf8")), directUrl);
    assert.equal(readFileSync(join(distInfo, "omnipkg_wheel"), "utf8").trim(), wheel.sha256);
    assert.ok(!existsSync(join(site, "Full_Pkg-1.2.0.data")), "the .data folder is spread, not copied");

    // Linked files share the store's inode; files the installer writes do not.
    const init = manifest.files.find((f) => f.path === "full_pkg/__init__.py")!;
    assert.equal(
      statSync(join(site, "full_pkg", "__init__.py")).ino,
      statSync(store.filePath(init.sha256)).ino,
    );
    const record = manifest.files.find((f) => f.path.endsWith("/RECORD"))!;
    assert.notEqual(statSync(join(distInfo, "RECORD")).ino, statSync(store.filePath(record.sha256)).ino);

    // RECORD lists every installed file with its true hash and size, paths relative to site-packages.
    const rows = parseRecord(readFileSync(join(distInfo, "RECORD"), "utf8"));
    const listed = new Set(rows.map((r) => r.path));
    for (const expected of [
      "../../../bin/full-tool",
      "../../../bin/raw-script",
      "../../../include/site/python3.11/Full.Pkg/full.h",
      "../../../share/full/readme.txt",
      "Full_Pkg-1.2.0.dist-info/omnipkg_wheel",
      "full_native.py",
    ]) {
      assert.ok(listed.has(expected), `RECORD lists ${expected}`);
    }
    for (const row of rows) {
      const data = readFileSync(join(site, row.path));
      if (row.path.endsWith("dist-info/RECORD")) {
        assert.equal(row.hash, "");
        continue;
      }
      assert.equal(row.hash, "sha256=" + createHash("sha256").update(data).digest("base64url"), row.path);
      assert.equal(Number(row.size), data.length, row.path);
    }

    const dists = listInstalled(scheme);
    assert.deepEqual(
      dists.map((d) => [d.name, d.version, d.installer, d.requested, d.wheelSha256]),
      [["Full.Pkg", "1.2.0", "omnipkg", true, wheel.sha256]],
    );
  });

  it("upgrades through the old RECORD, then uninstalls back to the starting tree", async () => {
    const { root, env, store } = setup();
    const scheme = schemeForEnv(env);
    const start = snapshotTree(env);
    const v1 = await store.importWheel(
      buildWheel({ ...full, files: { ...full.files, "full_pkg/old_only.py": "OLD = 1\n" } }, root).path,
    );
    installWheels(store, scheme, [{ manifest: v1, requested: true }]);
    // a compiled file Python would have written at import time
    mkdirSync(join(scheme.purelib, "full_pkg", "__pycache__"));
    writeFileSync(join(scheme.purelib, "full_pkg", "__pycache__", "old_only.cpython-311.pyc"), "pyc");
    const v2 = await store.importWheel(
      buildWheel(
        { ...full, version: "2.0", entryPoints: { console_scripts: { "full-tool": "full_pkg:main" } } },
        root,
      ).path,
    );
    const result = installWheels(store, scheme, [{ manifest: v2, requested: false }]);
    assert.deepEqual(result.removed, [{ name: "Full.Pkg", version: "1.2.0" }]);
    assert.ok(!existsSync(join(scheme.purelib, "full_pkg", "old_only.py")));
    assert.ok(
      !existsSync(join(scheme.purelib, "full_pkg", "__pycache__")),
      "stale .pyc and its emptied folder are gone",
    );
    assert.ok(!existsSync(join(scheme.purelib, "Full_Pkg-1.2.0.dist-info")));
    assert.ok(!existsSync(join(env, "bin", "full-gui")), "the launcher v2 dropped is gone");
    assert.deepEqual(
      listInstalled(scheme).map((d) => [d.version, d.requested]),
      [["2.0", false]],
    );
    const removed = uninstall(scheme, ["full-pkg", "not-installed"]);
    assert.deepEqual(removed, {
      removed: [{ name: "Full.Pkg", version: "2.0" }],
      missing: ["not-installed"],
    });
    assert.deepEqual(diffSnapshots(start, snapshotTree(env)), []);
    assert.ok(!existsSync(join(env, "include", "site")), "emptied folders are removed");
  });

  it("refuses a Wheel-Version 2.0 wheel and changes nothing", async () => {
    const { root, env, store } = setup();
    const scheme = schemeForEnv(env);
    const before = snapshotTree(env);
    const manifest = await store.importWheel(
      buildWheel({ name: "future", version: "1.0", wheelVersion: "2.0", files: { "future.py": "" } }, root)
        .path,
    );
    assert.throws(
      () => installWheels(store, scheme, [{ manifest, requested: true }]),
      (error: unknown) => {
        assert.ok(error instanceof OmnipkgError);
        assert.equal(error.code, "UNSUPPORTED_WHEEL");
        assert.match(error.message, /Wheel-Version 2\.0/);
        return true;
      },
    );
    assert.deepEqual(diffSnapshots(before, snapshotTree(env)), []);
  });

  it("refuses to uninstall a distribution whose RECORD points outside the environment", async () => {
    const { root, env } = setup();
    const scheme = schemeForEnv(env);
    const outside = join(root, "precious.txt");
    writeFileSync(outside, "keep me");
    const distInfo = join(scheme.purelib, "evil-1.0.dist-info");
    mkdirSync(distInfo);
    writeFileSync(join(distInfo, "METADATA"), "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n\n");
    writeFileSync(
      join(distInfo, "RECORD"),
      "evil-1.0.dist-info/METADATA,,\n../../../../precious.txt,,\nevil-1.0.dist-info/RECORD,,\n",
    );
    const before = snapshotTree(env);
    assert.throws(() => uninstall(scheme, ["evil"]), /outside the environment/);
    assert.equal(readFileSync(outside, "utf8"), "keep me");
    assert.deepEqual(diffSnapshots(before, snapshotTree(env)), []);
  });

  it("refuses an entry point that is not module:attribute (no code in launchers)", async () => {
    const { root, env, store } = setup();
    const scheme = schemeForEnv(env);
    const manifest = await store.importWheel(
      buildWheel(
        {
          name: "inject",
          version: "1.0",
          files: { "inject.py": "" },
          entryPoints: { console_scripts: { x: "os; import os; os.system('id'):y" } },
        },
        root,
      ).path,
    );
    const before = snapshotTree(env);
    assert.throws(
      () => installWheels(store, scheme, [{ manifest, requested: true }]),
      /not "module:attribute"/,
    );
    assert.deepEqual(diffSnapshots(before, snapshotTree(env)), []);
  });

  it("rejects a folder that is not a virtual environment", () => {
    const { root } = setup();
    assert.throws(
      () => schemeForEnv(root),
      (error: unknown) =>
        error instanceof OmnipkgError && error.code === "NOT_A_VENV" && error.message.includes("pyvenv.cfg"),
    );
  });
});
