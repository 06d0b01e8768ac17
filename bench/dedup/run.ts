/**
 * bench/dedup: what the content-addressed store saves, and how fast the installer links.
 *
 * 1. Dedup: five versions of one package, each installed into its own environment side by side,
 *    from one store. Bytes on disk with the store (every inode counted once: store files plus the
 *    files the installer wrote) against the sum of the unpacked wheels (what five plain installs
 *    take). Real wheels from the machine's local mirror when pip's configuration points at one and
 *    a project there has five versions (pure-Python preferred); five synthetic versions sharing
 *    about 90% of their files otherwise, and always as a control.
 * 2. Install time of a large wheel (numpy from the mirror, if present) into a fresh venv with a warm
 *    store: omnipkg's installer against `python -m pip install --no-deps --no-index <wheel>`.
 * Prints a short report; writes .bench-out/dedup.json.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installWheels, schemeForEnv } from "../../src/install/index.ts";
import { createStore, type Store, type WheelManifest } from "../../src/store/index.ts";
import { buildWheel } from "../../test/helpers/buildWheel.ts";
import { findTestPythons } from "../../test/helpers/pythons.ts";
import { makeFakeEnv } from "../../test/install/envHelpers.ts";
import { mirrorProjects, mirrorWheels, type MirrorWheel } from "../../test/install/mirror.ts";

const root = mkdtempSync(join(tmpdir(), "omnipkg-bench-dedup-"));
const report: Record<string, unknown> = {};

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** Apparent and allocated bytes under `dirs`, each inode once. */
function diskUsage(dirs: string[]): { bytes: number; allocated: number; files: number } {
  const seen = new Set<string>();
  let bytes = 0;
  let allocated = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path);
      if (st.isDirectory()) walk(path);
      else {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
        bytes += st.size;
        allocated += st.blocks * 512;
      }
    }
  };
  for (const dir of dirs) walk(dir);
  return { bytes, allocated, files: seen.size };
}

function unpackedSize(manifests: WheelManifest[]): { bytes: number; allocated: number; files: number } {
  let bytes = 0;
  let allocated = 0;
  let files = 0;
  for (const m of manifests)
    for (const f of m.files) {
      bytes += f.size;
      allocated += Math.ceil(f.size / 4096) * 4096;
      files += 1;
    }
  return { bytes, allocated, files };
}

async function dedupCase(label: string, wheelPaths: string[]): Promise<Record<string, unknown>> {
  const dir = join(root, label);
  const store = createStore(join(dir, "store"));
  const manifests: WheelManifest[] = [];
  for (const path of wheelPaths) manifests.push(await store.importWheel(path));
  const envs = manifests.map((manifest, i) => {
    const env = makeFakeEnv(join(dir, "envs", `v${i}`));
    installWheels(store, schemeForEnv(env), [{ manifest, requested: true }]);
    return env;
  });
  const withStore = diskUsage([store.dir, ...envs]);
  const without = unpackedSize(manifests);
  const result = {
    wheels: manifests.map((m) => m.filename),
    withStoreBytes: withStore.bytes,
    withStoreAllocated: withStore.allocated,
    unpackedBytes: without.bytes,
    unpackedAllocatedEstimate: without.allocated,
    ratio: without.bytes / withStore.bytes,
    status: store.status(),
  };
  process.stdout.write(
    `${label}: ${manifests.map((m) => m.version).join(", ")}\n` +
      `  five unpacked wheels: ${mib(without.bytes)} (${without.files} files)\n` +
      `  store + 5 envs:       ${mib(withStore.bytes)} (${withStore.files} inodes)  -> ${result.ratio.toFixed(2)}x less\n`,
  );
  return result;
}

function versionOf(filename: string): string {
  return filename.split("-")[1]!;
}

/** A project with >= 5 versions of one wheel flavour in the mirror: pure first, then `compiledTag`. */
function pickRealProject(
  python: string,
  compiledTag: string | undefined,
): { project: string; wheels: MirrorWheel[]; kind: string } | undefined {
  let best: { project: string; wheels: MirrorWheel[]; kind: string } | undefined;
  for (const project of mirrorProjects(python)) {
    const all = mirrorWheels(python, project);
    for (const [kind, pattern] of [
      ["pure", /-py3-none-any\.whl$|-py2\.py3-none-any\.whl$/],
      [
        "compiled",
        compiledTag ? new RegExp(`-${compiledTag}-${compiledTag}-manylinux[^-]*x86_64\\.whl$`) : /^$/,
      ],
    ] as const) {
      const byVersion = new Map<string, MirrorWheel>();
      for (const w of all)
        if (pattern.test(w.filename) && !byVersion.has(versionOf(w.filename)))
          byVersion.set(versionOf(w.filename), w);
      if (byVersion.size < 5) continue;
      const candidate = { project, wheels: [...byVersion.values()].slice(0, 5), kind };
      if (!best || (best.kind === "compiled" && kind === "pure")) best = candidate;
    }
  }
  return best;
}

function synthetic(): string[] {
  const out = join(root, "synthetic-wheels");
  mkdirSync(out, { recursive: true });
  const paths: string[] = [];
  for (let v = 1; v <= 5; v++) {
    const files: Record<string, string> = {};
    for (let i = 0; i < 100; i++) {
      // 90 files identical across versions, 10 changed in each release
      const changed = i >= 90;
      files[`synth/mod${i}.py`] =
        `# module ${i}${changed ? ` of release ${v}` : ""}\n` +
        `def f${i}(x):\n    return x * ${i}\n`.repeat(200);
    }
    paths.push(buildWheel({ name: "synth", version: `${v}.0`, files }, out).path);
  }
  return paths;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function installTime(
  store: Store,
  python: string,
  wheel: MirrorWheel,
): Promise<Record<string, unknown>> {
  const template = join(root, "venv-template");
  execFileSync(python, ["-m", "venv", template], { stdio: "ignore" });
  const manifest = await store.importWheel(wheel.path); // warm store: not timed
  const rounds = 3;
  const ours: number[] = [];
  const pips: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const a = join(root, `venv-omnipkg-${i}`);
    cpSync(template, a, { recursive: true, verbatimSymlinks: true });
    const t0 = performance.now();
    installWheels(store, schemeForEnv(a), [{ manifest, requested: true }]);
    ours.push(performance.now() - t0);
    const check = spawnSync(join(a, "bin", "python"), ["-c", "import numpy; print(numpy.__version__)"], {
      encoding: "utf8",
    });
    if (check.status !== 0) throw new Error(`numpy does not import after omnipkg's install: ${check.stderr}`);
    const b = join(root, `venv-pip-${i}`);
    cpSync(template, b, { recursive: true, verbatimSymlinks: true });
    const t1 = performance.now();
    const r = spawnSync(
      join(b, "bin", "python"),
      ["-m", "pip", "install", "--no-deps", "--no-index", "--disable-pip-version-check", "-q", wheel.path],
      { encoding: "utf8" },
    );
    pips.push(performance.now() - t1);
    if (r.status !== 0) throw new Error(`pip failed: ${r.stderr}`);
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
  const result = {
    wheel: wheel.filename,
    files: manifest.files.length,
    omnipkgMs: median(ours),
    pipMs: median(pips),
    speedup: median(pips) / median(ours),
    rounds,
  };
  process.stdout.write(
    `install ${wheel.filename} (${manifest.files.length} files) into a fresh venv, warm store, median of ${rounds}:\n` +
      `  omnipkg ${result.omnipkgMs.toFixed(0)} ms   pip ${result.pipMs.toFixed(0)} ms   -> omnipkg ${result.speedup.toFixed(1)}x faster\n`,
  );
  return result;
}

try {
  const pythons = findTestPythons();
  const py311 = pythons.find((p) => p.minor === "3.11");
  const anyPython = pythons[0]?.path;
  process.stdout.write("bench/dedup\n");
  report.synthetic = await dedupCase("synthetic (90% shared files)", synthetic());
  if (anyPython) {
    const tag = py311 ? "cp311" : undefined;
    const real = pickRealProject(anyPython, tag);
    if (real)
      report.real = {
        project: real.project,
        kind: real.kind,
        ...(await dedupCase(
          `${real.project} (${real.kind}, local mirror)`,
          real.wheels.map((w) => w.path),
        )),
      };
    else process.stdout.write("no project with five versions in a local mirror; synthetic only\n");
  }
  const numpy = py311
    ? mirrorWheels(py311.path, "numpy")
        .filter((w) => /-cp311-cp311-manylinux[^-]*x86_64\.whl$/.test(w.filename))
        .sort((a, b) => b.filename.localeCompare(a.filename, undefined, { numeric: true }))[0]
    : undefined;
  if (py311 && numpy)
    report.install = await installTime(createStore(join(root, "install-store")), py311.path, numpy);
  else
    process.stdout.write(
      "no numpy cp311 wheel in a local mirror (or no Python 3.11): install timing skipped\n",
    );
  const outDir = join(import.meta.dirname, "..", "..", ".bench-out");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "dedup.json"), JSON.stringify(report, null, 2) + "\n");
} finally {
  rmSync(root, { recursive: true, force: true });
}
