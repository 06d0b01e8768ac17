import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { buildWheel, metadataText, type WheelSpec } from "../helpers/buildWheel.ts";
import { startIndexServer, type IndexServer, type ServedProject } from "../helpers/indexServer.ts";
import { requirePythons } from "../helpers/pythons.ts";
import { makeTempDir, runCliAsync, type CliResult } from "../python/cliHarness.ts";

/**
 * A small world for install tests: tiny wheels with controlled dependency graphs served by a real
 * HTTP index on 127.0.0.1, a real venv (no pip: created in ~40 ms), and the real CLI with pip's
 * configuration switched off so the machine's own mirrors never leak in.
 */
export interface PackageSpec {
  name: string;
  version: string;
  requires?: string[];
  extras?: Record<string, string[]>;
  requiresPython?: string;
  yanked?: boolean;
  /** Serve a PEP 658 metadata file (default true). */
  metadata?: boolean;
}

export function moduleName(name: string): string {
  return name.replace(/[-.]/g, "_");
}

export function buildProjects(dir: string, specs: PackageSpec[]): ServedProject[] {
  const byName = new Map<string, ServedProject>();
  for (const spec of specs) {
    const wheelSpec: WheelSpec = {
      name: spec.name,
      version: spec.version,
      files: { [`${moduleName(spec.name)}/__init__.py`]: `VERSION = "${spec.version}"\n` },
      ...(spec.requires ? { requiresDist: spec.requires } : {}),
      ...(spec.extras ? { extras: spec.extras } : {}),
      ...(spec.requiresPython ? { requiresPython: spec.requiresPython } : {}),
    };
    const wheel = buildWheel(wheelSpec, dir);
    const metadata = metadataText(wheelSpec);
    const project = byName.get(spec.name) ?? { project: spec.name, files: [] };
    project.files.push({
      filename: wheel.filename,
      bytes: wheel.bytes,
      ...(spec.metadata === false ? {} : { metadata }),
      ...(spec.yanked ? { yanked: true } : {}),
      ...(spec.requiresPython ? { requiresPython: spec.requiresPython } : {}),
    });
    byName.set(spec.name, project);
  }
  return [...byName.values()];
}

export interface World {
  dir: string;
  home: string;
  venv: string;
  python: string;
  server: IndexServer;
  /** Async: the index server lives in this process, so a blocking spawn would starve it. */
  cli(args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** name → version of what importlib.metadata sees in the venv's main site-packages. */
  installed(): Record<string, string>;
  bubbles(): string[];
  close(): Promise<void>;
}

/** pip's and uv's configuration switched off, so the machine's mirrors never reach a test. */
export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of Object.keys(process.env)) {
    if (/^(PIP_|UV_)/.test(key) || key === "VIRTUAL_ENV" || key === "OMNIPKG_INDEX_URL") env[key] = undefined;
  }
  return { ...env, PIP_CONFIG_FILE: "/dev/null", ...extra };
}

export async function makeWorld(specs: PackageSpec[], prefix = "install"): Promise<World> {
  const [python] = requirePythons(1, 8);
  const dir = makeTempDir(prefix);
  const home = join(dir, "home");
  const venv = join(dir, "venv");
  execFileSync(python!.path, ["-m", "venv", "--without-pip", venv]);
  mkdirSync(join(dir, "wheels"), { recursive: true });
  const server = await startIndexServer({ projects: buildProjects(join(dir, "wheels"), specs) });
  return {
    dir,
    home,
    venv,
    python: join(venv, "bin", "python"),
    server,
    cli(args, extraEnv = {}) {
      const env = { ...isolatedEnv(), ...extraEnv };
      const needsIndex = ["install"].includes(args[0]!) && !args.includes("--index-url");
      const full = needsIndex ? [...args, "--index-url", server.indexUrl] : args;
      const wantsEnv =
        ["install", "uninstall"].includes(args[0]!) && !args.includes("--env") && !args.includes("--python");
      return runCliAsync(wantsEnv ? [...full, "--env", venv] : full, { home, env });
    },
    installed() {
      const out = execFileSync(
        join(venv, "bin", "python"),
        [
          "-c",
          "import json, importlib.metadata as m; print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
        ],
        { encoding: "utf8" },
      );
      return JSON.parse(out) as Record<string, string>;
    },
    bubbles() {
      const root = join(venv, "bubbles");
      return existsSync(root)
        ? readdirSync(root)
            .filter((n) => !n.startsWith("."))
            .sort()
        : [];
    },
    async close() {
      await server.close();
    },
  };
}
