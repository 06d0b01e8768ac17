/**
 * End to end: the real CLI on a real venv holding 300 distributions and 20 bubbles, installed
 * through omnipkg from a local index, recorded in SQLite and then copied to Redis with
 * `omnipkg kb migrate`. Each command is timed as a user would see it (process start to exit),
 * median of ROUNDS runs per backend. The CLI runs from a bundle built for this run (another
 * `npm run build` empties the shared dist/ and would pull the files from under the benchmark).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildWheel } from "../../test/helpers/buildWheel.ts";
import { startIndexServer, type ServedProject } from "../../test/helpers/indexServer.ts";
import { findTestPythons } from "../../test/helpers/pythons.ts";

const REPO = resolve(import.meta.dirname, "..", "..");
const DISTS = 300;
const BUBBLES = 20;
export const ROUNDS = 11;

function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(PIP_|UV_|OMNIPKG_)/.test(k) && k !== "VIRTUAL_ENV" && k !== "FORCE_COLOR") env[k] = v;
  return { ...env, PIP_CONFIG_FILE: "/dev/null", NO_COLOR: "1", OMNIPKG_HOME: home, ...extra };
}

/** Builds the CLI into `root/omnipkg-build` (src and node_modules linked) and returns its bin. */
export function privateBuild(root: string): string {
  const pkg = join(root, "omnipkg-build");
  const bin = join(pkg, "bin", "omnipkg.js");
  if (!existsSync(pkg)) {
    mkdirSync(join(pkg, "bin"), { recursive: true });
    mkdirSync(join(pkg, "scripts"), { recursive: true });
    for (const name of ["src", "node_modules"]) symlinkSync(join(REPO, name), join(pkg, name));
  }
  for (const file of ["package.json", join("bin", "omnipkg.js"), join("scripts", "build.mjs")])
    cpSync(join(REPO, file), join(pkg, file));
  execFileSync(process.execPath, [join(pkg, "scripts", "build.mjs")], { cwd: pkg, stdio: "inherit" });
  return bin;
}

/** Async, so the index server in this process keeps answering. */
function runAsync(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) =>
      code === 0 ? done() : fail(new Error(`omnipkg ${args[0]} failed (${code}): ${stderr}`)),
    );
  });
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median wall time of `rounds` runs; throws when a run fails. */
export function timeCommand(bin: string, args: string[], env: NodeJS.ProcessEnv, rounds = ROUNDS): number {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: "utf8" });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0)
      throw new Error(`omnipkg ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  }
  return median(samples);
}

/** A prepared environment: the venv, and the process environments selecting each backend. */
export interface Fixture {
  bin: string;
  venv: string;
  python: string;
  sqliteEnv: NodeJS.ProcessEnv;
  redisEnv: NodeJS.ProcessEnv;
  setupMs: number;
}

/** Installs 300 distributions and 20 bubbles into a new venv under `dir`, recorded in both backends. */
export async function prepareFixture(dir: string, redisUrl: string, bin: string): Promise<Fixture> {
  const python = findTestPythons().find((p) => Number(p.minor.split(".")[1]) >= 8);
  if (!python) throw new Error("no Python 3.8+ interpreter found for the end-to-end benchmark");
  const wheels = join(dir, "wheels");
  mkdirSync(wheels, { recursive: true });
  const projects: ServedProject[] = [];
  for (let i = 0; i < DISTS; i++) {
    const name = `pkg${String(i).padStart(3, "0")}`;
    const versions = i < BUBBLES ? ["0.9", "1.0"] : ["1.0"];
    projects.push({
      project: name,
      files: versions.map((version) => {
        const w = buildWheel(
          { name, version, files: { [`${name}/__init__.py`]: `V = "${version}"\n` } },
          wheels,
        );
        return { filename: w.filename, bytes: w.bytes };
      }),
    });
  }
  const server = await startIndexServer({ projects });
  const home = join(dir, "e2e-home");
  const venv = join(dir, "e2e-venv");
  execFileSync(python.path, ["-m", "venv", "--without-pip", venv]);
  const sqliteEnv = cleanEnv(home);
  const setupStart = performance.now();
  try {
    const index = ["--index-url", server.indexUrl, "--env", venv];
    await runAsync(bin, ["install", ...projects.map((p) => p.project), ...index], sqliteEnv);
    const old = projects.slice(0, BUBBLES).map((p) => `${p.project}==0.9`);
    await runAsync(bin, ["install", ...old, ...index], sqliteEnv);
  } finally {
    await server.close();
  }
  const bubbles = readdirSync(join(venv, "bubbles")).filter((n) => !n.startsWith("."));
  if (bubbles.length !== BUBBLES) throw new Error(`expected ${BUBBLES} bubbles, found ${bubbles.length}`);
  await runAsync(bin, ["kb", "migrate", "--to", redisUrl], sqliteEnv);
  return {
    bin,
    venv,
    python: python.path,
    sqliteEnv,
    redisEnv: cleanEnv(home, { OMNIPKG_KB: redisUrl }),
    setupMs: performance.now() - setupStart,
  };
}

export interface EndToEndFigures {
  commands: { command: string; sqliteMs: number; redisMs: number }[];
  setupMs: number;
  pipListMs: number | null;
}

/**
 * The commands the issue names, on both backends. Rounds are interleaved (every command on both
 * backends, then again), so a burst of load from elsewhere on the machine hits all figures alike.
 */
export function timeCommands(fixture: Fixture, rounds = ROUNDS): EndToEndFigures["commands"] {
  const target = ["--env", fixture.venv];
  const commands = [
    ["list", "--json", ...target],
    ["info", "pkg150", ...target],
    ["info", "pkg005", ...target],
  ];
  const backends = [fixture.sqliteEnv, fixture.redisEnv];
  // One unmeasured run each: it fills Node's compile cache and the local probe mirror.
  for (const args of commands) for (const env of backends) timeCommand(fixture.bin, args, env, 1);
  const samples = commands.map(() => backends.map((): number[] => []));
  for (let r = 0; r < rounds; r++) {
    commands.forEach((args, c) =>
      backends.forEach((env, b) => samples[c]![b]!.push(timeCommand(fixture.bin, args, env, 1))),
    );
  }
  return commands.map((args, c) => ({
    command: `omnipkg ${args.slice(0, 2).join(" ")}`,
    sqliteMs: median(samples[c]![0]!),
    redisMs: median(samples[c]![1]!),
  }));
}

/** The peer: pip listing the same site-packages. */
export function timePipList(fixture: Fixture): number | null {
  const pip = spawnSync(fixture.python, ["-m", "pip", "--version"], { encoding: "utf8" });
  if (pip.status !== 0) return null;
  const lib = join(fixture.venv, "lib");
  const site = join(lib, readdirSync(lib)[0]!, "site-packages");
  const samples: number[] = [];
  for (let r = 0; r < 3; r++) {
    const start = process.hrtime.bigint();
    execFileSync(
      fixture.python,
      ["-m", "pip", "list", "--format=json", "--path", site, "--disable-pip-version-check"],
      { env: fixture.sqliteEnv, stdio: "ignore" },
    );
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

export async function measureEndToEnd(dir: string, redisUrl: string): Promise<EndToEndFigures> {
  const fixture = await prepareFixture(dir, redisUrl, privateBuild(dir));
  return { commands: timeCommands(fixture), setupMs: fixture.setupMs, pipListMs: timePipList(fixture) };
}
