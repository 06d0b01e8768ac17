import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { homeLayout } from "../../src/core/home.ts";
import { installWheels, schemeForEnv, type InstallScheme } from "../../src/install/index.ts";
import { createStore } from "../../src/store/index.ts";
import { buildWheel } from "../helpers/buildWheel.ts";
import { makeFakeEnv } from "../install/envHelpers.ts";

/** `omnipkg store status|gc|verify` against a real home: an env, a bubble and an unused wheel. */

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

function omnipkg(home: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", main, ...args], {
    encoding: "utf8",
    env: { ...process.env, OMNIPKG_HOME: home, NO_COLOR: "1" },
    timeout: 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("omnipkg store", () => {
  it("reports dedup, collects only unused wheels, and detects damage", async () => {
    const home = mkdtempSync(join(tmpdir(), "omnipkg-home-"));
    roots.push(home);
    const layout = homeLayout(home);
    const store = createStore(layout.storeDir);
    const shared = "# shared between versions\n".repeat(400);
    const wheel = (version: string) =>
      buildWheel(
        {
          name: "dedup",
          version,
          files: { "dedup/__init__.py": shared, "dedup/version.py": `V = "${version}"\n` },
        },
        home,
      ).path;
    const inEnv = await store.importWheel(wheel("1.0"));
    const inBubble = await store.importWheel(wheel("2.0"));
    const unused = await store.importWheel(wheel("3.0"));

    const env = makeFakeEnv(join(layout.envsDir, "3.11.7"));
    installWheels(store, schemeForEnv(env), [{ manifest: inEnv, requested: true }]);
    const bubble = join(env, "bubbles", "dedup-2.0");
    mkdirSync(bubble, { recursive: true });
    const bubbleScheme: InstallScheme = {
      ...schemeForEnv(env),
      envDir: bubble,
      purelib: bubble,
      platlib: bubble,
      scripts: join(bubble, "bin"),
      data: bubble,
    };
    installWheels(store, bubbleScheme, [{ manifest: inBubble, requested: true }]);

    const status = omnipkg(home, ["store", "status", "--json"]);
    assert.equal(status.status, 0, status.stderr);
    const report = JSON.parse(status.stdout) as {
      wheels: number;
      files: number;
      uniqueBytes: number;
      referencedBytes: number;
      ratio: number;
    };
    assert.equal(report.wheels, 3);
    assert.ok(report.ratio > 2, `ratio ${report.ratio}`);
    const human = omnipkg(home, ["store", "status"]);
    assert.match(human.stdout, /without dedup/);

    const gc = omnipkg(home, ["store", "gc", "--json"]);
    assert.equal(gc.status, 0, gc.stderr);
    const collected = JSON.parse(gc.stdout) as { removedWheels: number; removedFiles: number };
    assert.equal(collected.removedWheels, 1);
    // 3.0's own version.py, METADATA and RECORD go; the shared __init__.py and WHEEL stay.
    assert.equal(collected.removedFiles, 3);
    assert.equal(store.manifest(unused.sha256), undefined);
    assert.ok(store.manifest(inEnv.sha256));
    assert.ok(store.manifest(inBubble.sha256));

    const clean = omnipkg(home, ["store", "verify"]);
    assert.equal(clean.status, 0, clean.stderr);
    assert.match(clean.stdout, /all intact/);

    const victim = store.filePath(inEnv.files.find((f) => f.path === "dedup/version.py")!.sha256);
    chmodSync(victim, 0o644);
    writeFileSync(victim, 'V = "evil"\n');
    const damaged = omnipkg(home, ["store", "verify", "--json"]);
    assert.equal(damaged.status, 1);
    const result = JSON.parse(damaged.stdout) as { corrupted: Array<{ kind: string; path: string }> };
    assert.deepEqual(result.corrupted.map((c) => c.kind).sort(), ["file", "manifest"]);
    assert.equal(result.corrupted.find((c) => c.kind === "file")!.path, victim);

    const help = omnipkg(home, ["store", "--help"]);
    assert.match(help.stdout, /status[\s\S]*gc[\s\S]*verify/);
  });
});
