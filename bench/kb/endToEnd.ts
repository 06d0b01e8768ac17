/**
 * End to end: the real CLI (`node bin/omnipkg.js`) on a real venv holding 300 distributions and
 * 20 bubbles, installed through omnipkg from a local index, recorded in SQLite and then copied to
 * Redis with `omnipkg kb migrate`. Each command is timed as a user would see it (process start to
 * exit), median of ROUNDS runs per backend.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildWheel } from "../../test/helpers/buildWheel.ts";
import { startIndexServer, type ServedProject } from "../../test/helpers/indexServer.ts";
import { findTestPythons } from "../../test/helpers/pythons.ts";

const REPO = resolve(import.meta.dirname, "..", "..");
const BIN = join(REPO, "bin", "omnipkg.js");
const DISTS = 300;
const BUBBLES = 20;
const ROUNDS = 9;

function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(PIP_|UV_|OMNIPKG_)/.test(k) && k !== "VIRTUAL_ENV" && k !== "FORCE_COLOR") env[k] = v;
  return { ...env, PIP_CONFIG_FILE: "/dev/null", NO_COLOR: "1", OMNIPKG_HOME: home, ...extra };
}

/** Async, so the index server in this process keeps answering. */
function runAsync(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) =>
      code === 0 ? done() : fail(new Error(`omnipkg ${args[0]} failed (${code}): ${stderr}`)),
    );
  });
}

function timeCommand(args: string[], env: NodeJS.ProcessEnv): { ms: number; ok: boolean } {
  const samples: number[] = [];
  let ok = true;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [BIN, ...args], { env, encoding: "utf8" });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) ok = false;
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)]!, ok };
}

export interface EndToEndFigures {
  commands: { command: string; sqliteMs: number; redisMs: number }[];
  /** True when `omnipkg list --json` was not available and history/status were timed instead. */
  listFallback: boolean;
  setupMs: number;
  pipListMs: number | null;
}

export async function measureEndToEnd(dir: string, redisUrl: string): Promise<EndToEndFigures> {
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
  const env = cleanEnv(home);
  const setupStart = performance.now();
  try {
    const index = ["--index-url", server.indexUrl, "--env", venv];
    await runAsync(["install", ...projects.map((p) => p.project), ...index], env);
    await runAsync(["install", ...projects.slice(0, BUBBLES).map((p) => `${p.project}==0.9`), ...index], env);
  } finally {
    await server.close();
  }
  const bubbles = readdirSync(join(venv, "bubbles")).filter((n) => !n.startsWith("."));
  if (bubbles.length !== BUBBLES) throw new Error(`expected ${BUBBLES} bubbles, found ${bubbles.length}`);
  await runAsync(["kb", "migrate", "--to", redisUrl], env);
  const setupMs = performance.now() - setupStart;

  const redisEnv = cleanEnv(home, { OMNIPKG_KB: redisUrl });
  const target = ["--env", venv];
  const listProbe = spawnSync(process.execPath, [BIN, "list", "--json", ...target], {
    env,
    encoding: "utf8",
  });
  const listFallback = listProbe.status !== 0;
  const commands = listFallback
    ? [
        ["history", "--json", ...target],
        ["status", "--json", "--env", venv],
      ]
    : [["list", "--json", ...target]];
  commands.push(["info", "pkg150", ...target], ["info", "pkg005", ...target]);
  const figures: EndToEndFigures["commands"] = [];
  for (const args of commands) {
    const sqlite = timeCommand(args, env);
    const redis = timeCommand(args, redisEnv);
    if (!sqlite.ok || !redis.ok) throw new Error(`omnipkg ${args.join(" ")} failed during timing`);
    figures.push({
      command: `omnipkg ${args.slice(0, 2).join(" ")}`,
      sqliteMs: sqlite.ms,
      redisMs: redis.ms,
    });
  }
  let pipListMs: number | null = null;
  const lib = join(venv, "lib");
  const site = join(lib, readdirSync(lib)[0]!, "site-packages");
  const pip = spawnSync(python.path, ["-m", "pip", "--version"], { encoding: "utf8" });
  if (pip.status === 0) {
    const samples: number[] = [];
    for (let r = 0; r < 3; r++) {
      const start = process.hrtime.bigint();
      execFileSync(
        python.path,
        ["-m", "pip", "list", "--format=json", "--path", site, "--disable-pip-version-check"],
        {
          env: cleanEnv(home),
          stdio: "ignore",
        },
      );
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    pipListMs = samples.sort((a, b) => a - b)[1]!;
  }
  return { commands: figures, listFallback, setupMs, pipListMs };
}
