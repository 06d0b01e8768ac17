/**
 * bench/install/linkPhase.ts: time only the installer (installWheels: plan, stage, journal, apply)
 * of every wheel a warm store holds (one version per project), into a fresh venv per run, with the
 * link helper thread on and off, runs interleaved so machine noise hits both alike.
 *
 * Usage: node --import tsx bench/install/linkPhase.ts <store dir> <python> [runs]
 * (a warm home's store, e.g. after `omnipkg install` of the bench/install requirement set).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installWheels, schemeForEnv, type InstallItem } from "../../src/install/index.ts";
import { createStore, type WheelManifest } from "../../src/store/index.ts";

const [storeDir, python, runsArg] = process.argv.slice(2);
if (!storeDir || !python) {
  console.error("usage: node --import tsx bench/install/linkPhase.ts <store dir> <python> [runs]");
  process.exit(2);
}
const store = createStore(storeDir);
const byName = new Map<string, WheelManifest>();
for (const name of readdirSync(join(storeDir, "wheels"))) {
  if (!name.endsWith(".json")) continue;
  const manifest = store.manifest(name.slice(0, -".json".length));
  if (manifest) byName.set(manifest.name, manifest);
}
const items: InstallItem[] = [...byName.values()].map((manifest) => ({ manifest, requested: false }));
const fileCount = items.reduce((n, i) => n + i.manifest.files.length, 0);

function timeOnce(helper: boolean): number {
  const root = mkdtempSync(join(tmpdir(), "omnipkg-linkphase-"));
  try {
    const env = join(root, "venv");
    execFileSync(python!, ["-m", "venv", "--without-pip", env]);
    if (helper) delete process.env.OMNIPKG_IMPORT_THREADS;
    else process.env.OMNIPKG_IMPORT_THREADS = "0";
    const start = performance.now();
    installWheels(store, schemeForEnv(env), items);
    return performance.now() - start;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const times = { on: [] as number[], off: [] as number[] };
for (let r = 0; r < Number(runsArg ?? 9); r++) {
  times.on.push(timeOnce(true));
  times.off.push(timeOnce(false));
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
console.log(`${items.length} wheels, ${fileCount} files, median of ${times.on.length}:`);
console.log(`  helper thread on   ${median(times.on).toFixed(1)} ms`);
console.log(`  helper thread off  ${median(times.off).toFixed(1)} ms`);
