/**
 * bench/install: one requirement set (about 20 distributions, numpy and pandas among them) installed
 * into a fresh virtual environment by omnipkg, `python -m pip` and uv, cold cache and warm cache,
 * side by side in one run. Medians of `--runs N` (default 3) runs each, reported as ratios against
 * the targets of issue 4: warm ≤ 1.5× uv and ≥ 10× faster than pip; cold ≤ 1.5× uv.
 *
 * Fairness:
 * - Every tool gets the same explicit index flags, computed from pip's configuration (`pip config
 *   list` and PIP_* variables): by default only its local (file://) indexes and find-links when it
 *   has any, so the figures measure the tools and not the network; `--with-default-index` keeps the
 *   public default index in front. pip merges all indexes, so omnipkg and uv are told
 *   `--index-strategy unsafe-best-match` to see the same files; the installed sets are compared.
 * - pip runs with PIP_CONFIG_FILE=/dev/null (it would otherwise add the config's constraints),
 *   omnipkg and uv with no index variables; each tool keeps its defaults otherwise (pip compiles
 *   .pyc files, uv and omnipkg do not).
 * - Cold: a fresh OMNIPKG_HOME, a fresh UV_CACHE_DIR, `pip --no-cache-dir`. Warm: one untimed run
 *   fills a home/cache, then every timed run installs into a new environment from it.
 * - Only the install command is timed; the venv is made beforehand (pip's venv holds pip itself),
 *   and `sync` runs before each timed command so no run pays for the previous one's writeback.
 * - Nothing is deleted until the end (venvs, cold caches: a few GiB under the temp folder). On an
 *   ext4 without a journal, as here, a new inode skips every inode deleted in the last ~30 s, so a
 *   run right after another run's `rm -rf` of a cold cache pays for it in every mkdir: measured,
 *   that added 50-500 ms to whichever tool came next and made the ratios depend on the order.
 * - A floor row (unpackFloor.ts) times the least a content-addressed store must do in Node for
 *   the same wheels: read, hash, inflate, hash and write each file, on every core, no checks, no
 *   resolution, no links. It shows how much of omnipkg's cold time is that work itself, and its
 *   ratio to uv's cold time whether the cold target is within reach at all. It needs the wheels on
 *   the local disk (a file:// index or find-links folder); otherwise it is skipped.
 * - omnipkg runs from a bundle built for this run (not the shared dist/, which other builds replace);
 *   `--no-build` uses bin/omnipkg.js and dist/ as they are.
 *
 * Usage: node --import tsx bench/install/run.ts [--runs N] [--no-build] [--with-default-index]
 *        [--only omnipkg,uv,pip] [requirement ...]
 * Writes .bench-out/install.json.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, delimiter, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { findTestPythons } from "../../test/helpers/pythons.ts";

const repo = join(import.meta.dirname, "..", "..");
const DEFAULT_REQUIREMENTS = [
  "pandas",
  "requests",
  "rich",
  "click",
  "jinja2",
  "pyyaml",
  "attrs",
  "packaging",
  "tqdm",
];
type Tool = "omnipkg" | "uv" | "pip";
type Phase = "cold" | "warm";

interface Args {
  runs: number;
  build: boolean;
  withDefaultIndex: boolean;
  tools: Tool[];
  requirements: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    runs: 3,
    build: true,
    withDefaultIndex: false,
    tools: ["omnipkg", "uv", "pip"],
    requirements: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--runs") args.runs = Math.max(1, Number(argv[++i]));
    else if (a === "--no-build") args.build = false;
    else if (a === "--with-default-index") args.withDefaultIndex = true;
    else if (a === "--only") args.tools = argv[++i]!.split(",") as Tool[];
    else args.requirements.push(a);
  }
  if (args.requirements.length === 0) args.requirements = DEFAULT_REQUIREMENTS;
  return args;
}

interface IndexConfig {
  indexUrl: string;
  extraIndexUrls: string[];
  findLinks: string[];
}

/** pip's effective index settings, as explicit values every tool accepts. */
function indexConfigFromPip(python: string, withDefaultIndex: boolean): IndexConfig {
  const values = new Map<string, string[]>();
  const put = (key: string, raw: string | undefined): void => {
    if (raw === undefined || raw.trim() === "") return;
    values.set(key, raw.split(/\s+/).filter(Boolean));
  };
  const out = execFileSync(python, ["-m", "pip", "config", "list"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  // Later lines (narrower scopes) win, as in pip.
  for (const line of out.split("\n")) {
    const m = /^[^.]+\.([a-z-]+)='(.*)'$/.exec(line.trim());
    if (m && ["index-url", "extra-index-url", "find-links"].includes(m[1]!)) put(m[1]!, m[2]);
  }
  put("index-url", process.env.PIP_INDEX_URL);
  put("extra-index-url", process.env.PIP_EXTRA_INDEX_URL);
  put("find-links", process.env.PIP_FIND_LINKS);
  const indexes = [
    ...(values.get("index-url") ?? ["https://pypi.org/simple"]),
    ...(values.get("extra-index-url") ?? []),
  ];
  const findLinks = (values.get("find-links") ?? []).map((l) =>
    /^[a-z]+:\/\//.test(l) ? l : pathToFileURL(l).href,
  );
  const local = indexes.filter((u) => u.startsWith("file:"));
  const chosen = withDefaultIndex || local.length === 0 ? indexes : local;
  return { indexUrl: chosen[0]!, extraIndexUrls: chosen.slice(1), findLinks };
}

function indexFlags(config: IndexConfig): string[] {
  return [
    "--index-url",
    config.indexUrl,
    ...config.extraIndexUrls.flatMap((u) => ["--extra-index-url", u]),
    ...config.findLinks.flatMap((l) => ["--find-links", l]),
  ];
}

/** The environment every tool runs in: no index or cache settings leaking in from the caller. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PIP_|UV_|OMNIPKG_|VIRTUAL_ENV$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, PIP_CONFIG_FILE: "/dev/null", UV_NO_CONFIG: "1", ...extra };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  // Dirty pages left by the previous run (a cold run writes hundreds of MiB) are flushed first:
  // otherwise their writeback lands in the next timed run, whichever tool that is.
  execFileSync("sync");
  const start = performance.now();
  const r = spawnSync(cmd, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], cwd: repo });
  const ms = performance.now() - start;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return ms;
}

/** name==version of every distribution in the venv but the installers themselves. */
function installedSet(venv: string): string[] {
  const lib = join(venv, "lib");
  const site = join(
    lib,
    readdirSync(lib).find((d) => d.startsWith("python"))!,
    "site-packages",
  );
  return readdirSync(site)
    .filter((d) => d.endsWith(".dist-info"))
    .map((d) => {
      const stem = d.slice(0, -".dist-info".length);
      const dash = stem.lastIndexOf("-");
      return `${stem
        .slice(0, dash)
        .toLowerCase()
        .replace(/[-_.]+/g, "-")}==${stem.slice(dash + 1)}`;
    })
    .filter((s) => !/^(pip|setuptools|wheel)==/.test(s))
    .sort();
}

/**
 * Build the CLI bundle into a private copy of the package layout, so that another `npm run build`
 * (which empties dist/) cannot pull the files from under a running benchmark. src and node_modules
 * are symlinks: the bundle reads src only while building, and src/runtime at run time.
 */
function privateBuild(root: string, node: string): string {
  const pkg = join(root, "omnipkg-build");
  mkdirSync(join(pkg, "bin"), { recursive: true });
  mkdirSync(join(pkg, "scripts"), { recursive: true });
  for (const name of ["src", "node_modules"]) symlinkSync(join(repo, name), join(pkg, name));
  for (const file of ["package.json", join("bin", "omnipkg.js"), join("scripts", "build.mjs")])
    cpSync(join(repo, file), join(pkg, file));
  execFileSync(node, [join(pkg, "scripts", "build.mjs")], { cwd: pkg, stdio: "inherit" });
  return join(pkg, "bin", "omnipkg.js");
}

/**
 * The local paths of the wheels omnipkg installed (named by its store's manifests), found through
 * the file:// indexes' project pages and the find-links folders; undefined when one is elsewhere.
 */
function localWheels(config: IndexConfig, home: string): string[] | undefined {
  const wheelsDir = join(home, "store", "wheels");
  const filenames = readdirSync(wheelsDir)
    .filter((n) => n.endsWith(".json"))
    .map((n) => (JSON.parse(readFileSync(join(wheelsDir, n), "utf8")) as { filename: string }).filename);
  const paths: string[] = [];
  for (const filename of filenames) {
    const project = filename
      .split("-")[0]!
      .toLowerCase()
      .replace(/[-_.]+/g, "-");
    let found: string | undefined;
    for (const index of [config.indexUrl, ...config.extraIndexUrls].filter((u) => u.startsWith("file:"))) {
      const page = new URL(`${project}/`, index.endsWith("/") ? index : `${index}/`);
      let html: string;
      try {
        html = readFileSync(join(fileURLToPath(page), "index.html"), "utf8");
      } catch {
        continue;
      }
      for (const m of html.matchAll(/href="([^"#]+)/g)) {
        const url = new URL(m[1]!, page);
        if (url.protocol === "file:" && basename(url.pathname) === filename) found = fileURLToPath(url);
      }
      if (found) break;
    }
    for (const links of config.findLinks.filter((l) => l.startsWith("file:"))) {
      const candidate = join(fileURLToPath(links), filename);
      if (!found && existsSync(candidate)) found = candidate;
    }
    if (!found || !existsSync(found)) return undefined;
    paths.push(found);
  }
  return paths;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const python = findTestPythons().find((p) => p.minor === "3.11");
  if (!python) throw new Error("bench/install needs a CPython 3.11 (pyenv or python3.11 on PATH).");
  const index = indexConfigFromPip(python.path, args.withDefaultIndex);
  const flags = indexFlags(index);
  const root = mkdtempSync(join(tmpdir(), "omnipkg-bench-install-"));
  const node = process.execPath;
  let venvCount = 0;
  try {
    const omnipkgBin = args.build ? privateBuild(root, node) : join(repo, "bin", "omnipkg.js");
    // uv: the one on PATH, else a throwaway venv with uv from the configured index.
    let uv = "";
    if (args.tools.includes("uv")) {
      const onPath = (process.env.PATH ?? "")
        .split(delimiter)
        .map((d) => join(d, "uv"))
        .find((p) => existsSync(p));
      if (onPath) uv = onPath;
      else {
        process.stdout.write("uv is not on this machine: installing it into a throwaway venv...\n");
        const toolVenv = join(root, "uv-tool");
        execFileSync(python.path, ["-m", "venv", toolVenv], { stdio: "ignore" });
        execFileSync(join(toolVenv, "bin", "python"), ["-m", "pip", "install", "-q", "uv"], {
          stdio: ["ignore", "ignore", "inherit"],
        });
        uv = join(toolVenv, "bin", "uv");
      }
    }
    const pipTemplate = join(root, "pip-venv-template");
    if (args.tools.includes("pip"))
      execFileSync(python.path, ["-m", "venv", pipTemplate], { stdio: "ignore" });

    const freshVenv = (tool: Tool): string => {
      const dir = join(root, "envs", `${tool}-${venvCount++}`);
      mkdirSync(join(root, "envs"), { recursive: true });
      if (tool === "pip") cpSync(pipTemplate, dir, { recursive: true, verbatimSymlinks: true });
      else execFileSync(python.path, ["-m", "venv", "--without-pip", dir], { stdio: "ignore" });
      return dir;
    };
    const installOnce = (tool: Tool, phase: Phase, cacheDir: string): { ms: number; venv: string } => {
      const venv = freshVenv(tool);
      const py = join(venv, "bin", "python");
      let ms: number;
      if (tool === "omnipkg") {
        ms = run(
          node,
          [
            omnipkgBin,
            "install",
            "--env",
            venv,
            "--index-strategy",
            "unsafe-best-match",
            ...flags,
            ...args.requirements,
          ],
          cleanEnv({ OMNIPKG_HOME: cacheDir }),
        );
      } else if (tool === "uv") {
        ms = run(
          uv,
          [
            "pip",
            "install",
            "--python",
            py,
            "--index-strategy",
            "unsafe-best-match",
            ...flags,
            ...args.requirements,
          ],
          cleanEnv({ UV_CACHE_DIR: cacheDir }),
        );
      } else {
        ms = run(
          py,
          [
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            ...(phase === "cold" ? ["--no-cache-dir"] : []),
            ...flags,
            ...args.requirements,
          ],
          cleanEnv({ PIP_CACHE_DIR: cacheDir }),
        );
      }
      return { ms, venv };
    };

    const samples: Record<string, number[]> = {};
    const sets = new Map<string, string[]>();
    const warmCache = new Map<Tool, string>();
    for (const tool of args.tools) {
      const dir = join(root, "caches", `${tool}-warm`);
      mkdirSync(dir, { recursive: true });
      const { venv } = installOnce(tool, "warm", dir); // fills the cache, untimed
      warmCache.set(tool, dir);
      sets.set(tool, installedSet(venv));
    }
    const floorWheels = warmCache.has("omnipkg") ? localWheels(index, warmCache.get("omnipkg")!) : undefined;
    for (let round = 0; round < args.runs; round++) {
      if (floorWheels) {
        const ms = run(
          node,
          [join(repo, "bench", "install", "unpackFloor.ts"), join(root, "floor", `${round}`), ...floorWheels],
          cleanEnv({}),
        );
        (samples["floor.cold"] ??= []).push(ms);
        process.stdout.write(
          `  round ${round + 1}: ${"floor.cold".padEnd(13)} ${ms.toFixed(0).padStart(6)} ms\n`,
        );
      }
      for (const tool of args.tools) {
        for (const phase of ["cold", "warm"] as Phase[]) {
          const cache =
            phase === "warm" ? warmCache.get(tool)! : join(root, "caches", `${tool}-cold-${round}`);
          mkdirSync(cache, { recursive: true });
          const { ms, venv } = installOnce(tool, phase, cache);
          const key = `${tool}.${phase}`;
          (samples[key] ??= []).push(ms);
          const got = installedSet(venv);
          if (got.join(" ") !== sets.get(tool)!.join(" "))
            throw new Error(`${key} installed a different set than the first ${tool} run: ${got.join(" ")}`);
          process.stdout.write(`  round ${round + 1}: ${key.padEnd(13)} ${ms.toFixed(0).padStart(6)} ms\n`);
        }
      }
    }

    const reference = sets.get(args.tools[0]!)!;
    const mismatches = [...sets].filter(([, s]) => s.join(" ") !== reference.join(" ")).map(([t]) => t);
    const med = (key: string): number | undefined => (samples[key] ? median(samples[key]) : undefined);
    const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
      a !== undefined && b !== undefined ? a / b : undefined;
    const result = {
      python: python.version,
      requirements: args.requirements,
      distributions: reference.length,
      installed: reference,
      sameSetAcrossTools: mismatches.length === 0,
      ...(mismatches.length
        ? { differingTools: Object.fromEntries(mismatches.map((t) => [t, sets.get(t)])) }
        : {}),
      index,
      runs: args.runs,
      uvVersion: uv ? execFileSync(uv, ["--version"], { encoding: "utf8" }).trim() : undefined,
      pipVersion: execFileSync(python.path, ["-m", "pip", "--version"], { encoding: "utf8" }).split(" ")[1],
      samplesMs: samples,
      medianMs: Object.fromEntries(Object.keys(samples).map((k) => [k, med(k)])),
      ratios: {
        warmOmnipkgOverUv: ratio(med("omnipkg.warm"), med("uv.warm")),
        warmPipOverOmnipkg: ratio(med("pip.warm"), med("omnipkg.warm")),
        coldOmnipkgOverUv: ratio(med("omnipkg.cold"), med("uv.cold")),
        coldPipOverOmnipkg: ratio(med("pip.cold"), med("omnipkg.cold")),
        coldFloorOverUv: ratio(med("floor.cold"), med("uv.cold")),
      },
      targets: { warmOmnipkgOverUvMax: 1.5, warmPipOverOmnipkgMin: 10, coldOmnipkgOverUvMax: 1.5 },
    };
    const fmt = (ms: number | undefined): string => (ms === undefined ? "-" : `${ms.toFixed(0)} ms`);
    const x = (r: number | undefined): string => (r === undefined ? "-" : `${r.toFixed(2)}x`);
    const r = result.ratios;
    process.stdout.write(
      `\n${reference.length} distributions (${args.requirements.join(" ")}), Python ${python.version}, ` +
        `median of ${args.runs}\nindexes: ${flags.join(" ")}\n\n` +
        `        ${"omnipkg".padStart(10)} ${"uv".padStart(10)} ${"pip".padStart(10)}   omnipkg/uv   pip/omnipkg\n` +
        `cold    ${fmt(med("omnipkg.cold")).padStart(10)} ${fmt(med("uv.cold")).padStart(10)} ${fmt(med("pip.cold")).padStart(10)}   ${x(r.coldOmnipkgOverUv).padStart(10)}   ${x(r.coldPipOverOmnipkg).padStart(11)}\n` +
        `warm    ${fmt(med("omnipkg.warm")).padStart(10)} ${fmt(med("uv.warm")).padStart(10)} ${fmt(med("pip.warm")).padStart(10)}   ${x(r.warmOmnipkgOverUv).padStart(10)}   ${x(r.warmPipOverOmnipkg).padStart(11)}\n` +
        (med("floor.cold") !== undefined
          ? `floor   ${fmt(med("floor.cold")).padStart(10)}   (Node: hash, inflate, hash and write the ${floorWheels!.length} wheels on every core; ${x(r.coldFloorOverUv)} uv cold)\n`
          : "") +
        `targets: warm omnipkg/uv <= 1.5x and pip/omnipkg >= 10x; cold omnipkg/uv <= 1.5x\n` +
        (mismatches.length ? `WARNING: installed sets differ for ${mismatches.join(", ")}\n` : ""),
    );
    mkdirSync(join(repo, ".bench-out"), { recursive: true });
    writeFileSync(join(repo, ".bench-out", "install.json"), JSON.stringify(result, null, 2) + "\n");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
