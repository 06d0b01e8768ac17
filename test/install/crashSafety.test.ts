import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { installWheels, recoverEnv, schemeForEnv } from "../../src/install/index.ts";
import { createStore, type WheelManifest } from "../../src/store/index.ts";
import { buildWheel } from "../helpers/buildWheel.ts";
import { diffSnapshots, makeFakeEnv, snapshotTree } from "./envHelpers.ts";

/**
 * kill -9 an installing process at random instants, many times; after recovery the environment
 * must be exactly the "before" tree or exactly the "after" tree (same files, same bytes, same
 * executable bits), never anything in between.
 */

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const child = fileURLToPath(new URL("./fixtures/txnChild.ts", import.meta.url));

function files(prefix: string, count: number, salt: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < count; i++) out[`${prefix}/m${i}.py`] = `# ${salt}\nVALUE = ${i}\n`;
  return out;
}

/** Run the child, SIGKILL it `delayMs` after it starts the transaction (or let it finish). */
function runAndKill(
  storeDir: string,
  envDir: string,
  hashes: string[],
  delayMs: number,
  bulk = false,
): Promise<{ outcome: "killed" | "finished"; ranMs: number }> {
  return new Promise((resolve, reject) => {
    const args = [...(bulk ? ["--bulk"] : []), storeDir, envDir, ...hashes];
    const proc = spawn(process.execPath, ["--import", "tsx", child, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let timer: NodeJS.Timeout | undefined;
    let output = "";
    let goAt = 0;
    proc.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (timer === undefined && output.includes("go\n")) {
        goAt = Date.now();
        timer = setTimeout(() => proc.kill("SIGKILL"), delayMs);
      }
    });
    proc.on("error", reject);
    proc.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      const ranMs = Date.now() - goAt;
      if (signal === "SIGKILL") resolve({ outcome: "killed", ranMs });
      else if (code === 0) resolve({ outcome: "finished", ranMs });
      else reject(new Error(`child failed with code ${code}`));
    });
  });
}

interface Scenario {
  root: string;
  store: ReturnType<typeof createStore>;
  /** Installed in the template environment first. */
  first: WheelManifest;
  /** Installed (and killed) on top of it. */
  then: WheelManifest[];
}

async function killLoop({ root, store, first, then }: Scenario, bulk: boolean): Promise<void> {
  const template = makeFakeEnv(join(root, "template"));
  installWheels(store, schemeForEnv(template), [{ manifest: first, requested: true }]);
  const before = snapshotTree(template);
  // Shebangs name the environment's path, so every run uses the same folder.
  const env = join(root, "env");
  const hashes = then.map((m) => m.sha256);
  cpSync(template, env, { recursive: true });
  const reference = await runAndKill(store.dir, env, hashes, 60_000, bulk);
  assert.equal(reference.outcome, "finished");
  const afterTree = snapshotTree(env);
  assert.notDeepEqual(afterTree, before);
  rmSync(env, { recursive: true });

  const outcomes = { before: 0, after: 0, rolledForward: 0, rolledBack: 0 };
  for (let i = 0; i < 40; i++) {
    cpSync(template, env, { recursive: true });
    const delayMs = Math.floor(Math.random() * reference.ranMs);
    await runAndKill(store.dir, env, hashes, delayMs, bulk);
    const scheme = schemeForEnv(env);
    // Killed between creating the lock file and writing its pid into it, the process leaves an
    // empty lock, which the next command takes over only once it is EMPTY_LOCK_GRACE_MS old (see
    // test/core/lock.test.ts). Nothing else can have happened yet: check that, then clear it rather
    // than wait.
    const lock = join(scheme.purelib, ".omnipkg-txn.lock");
    if (existsSync(lock) && readFileSync(lock, "utf8") === "") {
      assert.equal(existsSync(join(scheme.purelib, ".omnipkg-txn")), false);
      assert.deepEqual(
        diffSnapshots(before, snapshotTree(env)).filter((d) => !d.includes(".omnipkg-txn.lock")),
        [],
      );
      rmSync(lock);
    }
    const staged = existsSync(join(scheme.purelib, ".omnipkg-txn"));
    const committed = existsSync(join(scheme.purelib, ".omnipkg-txn", "journal.json"));
    const recovery = recoverEnv(scheme);
    const now = snapshotTree(env);
    const isBefore = diffSnapshots(before, now).length === 0;
    const isAfter = diffSnapshots(afterTree, now).length === 0;
    assert.ok(
      isBefore || isAfter,
      `run ${i} (kill after ${delayMs}ms, ${recovery}) left a half environment:\n${diffSnapshots(afterTree, now).join("\n")}`,
    );
    if (isBefore) outcomes.before += 1;
    else outcomes.after += 1;
    if (staged && committed) outcomes.rolledForward += 1;
    if (staged && !committed) outcomes.rolledBack += 1;
    rmSync(env, { recursive: true, force: true });
    if (i >= 19 && outcomes.rolledForward > 0 && outcomes.rolledBack > 0) break;
  }
  // The loop must really have killed inside both halves of the transaction, or it proved nothing.
  assert.ok(outcomes.rolledForward > 0, `no kill landed after the commit point: ${JSON.stringify(outcomes)}`);
  assert.ok(outcomes.rolledBack > 0, `no kill landed before the commit point: ${JSON.stringify(outcomes)}`);
}

describe("install transactions survive kill -9 at any point", () => {
  it("leaves the environment exactly before or exactly after, every time", async () => {
    const root = mkdtempSync(join(tmpdir(), "omnipkg-crash-"));
    roots.push(root);
    const store = createStore(join(root, "store"));
    const v1 = await store.importWheel(
      buildWheel(
        {
          name: "crashy",
          version: "1.0",
          files: { ...files("crashy", 20, "v1"), "crashy/only_v1.py": "X = 1\n" },
          entryPoints: { console_scripts: { crashy: "crashy:main" } },
        },
        root,
      ).path,
    );
    const v2 = await store.importWheel(
      buildWheel(
        {
          name: "crashy",
          version: "2.0",
          files: { ...files("crashy", 20, "v2"), "crashy/only_v2.py": "Y = 2\n" },
          data: { scripts: { "crashy-raw": "#!python\nprint(1)\n" } },
        },
        root,
      ).path,
    );
    const extra = await store.importWheel(
      buildWheel({ name: "extra", version: "1.0", files: files("extra", 15, "e") }, root).path,
    );
    await killLoop({ root, store, first: v1, then: [v2, extra] }, false);
  });

  it("also with links staged in bulk on two threads and the journal written alongside", async () => {
    const root = mkdtempSync(join(tmpdir(), "omnipkg-crash-bulk-"));
    roots.push(root);
    const store = createStore(join(root, "store"));
    const big: Record<string, string> = {};
    for (let d = 0; d < 40; d++) Object.assign(big, files(`bulky/d${d}`, 12, "v2"));
    const v1 = await store.importWheel(
      buildWheel({ name: "bulky", version: "1.0", files: files("bulky", 20, "v1") }, root).path,
    );
    const v2 = await store.importWheel(
      buildWheel(
        {
          name: "bulky",
          version: "2.0",
          files: big,
          entryPoints: { console_scripts: { bulky: "bulky:main" } },
        },
        root,
      ).path,
    );
    const extra = await store.importWheel(
      buildWheel({ name: "extra", version: "1.0", files: files("extra", 15, "e") }, root).path,
    );
    await killLoop({ root, store, first: v1, then: [v2, extra] }, true);
  });
});
