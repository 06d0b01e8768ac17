import { existsSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import type { HomeLayout } from "../core/home.ts";
import type { InterpreterRecord, OmnipkgConfig } from "../core/config.ts";
import { OmnipkgError } from "../core/errors.ts";
// Direct modules, not the area barrels: `list` and `info` load this file, and a barrel would pull
// the whole interpreter and install engines into their start-up.
import { assertUsable, findAdopted } from "../python/adopted.ts";
import type { InterpreterFacts } from "../python/facts.ts";
import { probeInterpreter, type ProbeCache } from "../python/probe.ts";
import { schemeForEnv, type InstallScheme } from "../install/scheme.ts";

/**
 * Which environment a package command acts on: `--env DIR`, else an activated `VIRTUAL_ENV`
 * (so omnipkg serves the venvs people already have), else the managed environment of
 * `--python VER`, else of the active interpreter.
 */
export interface TargetOptions {
  python?: string;
  env?: string;
  /** Ignore VIRTUAL_ENV (tests, and commands run from inside a managed env). */
  ignoreVirtualEnv?: boolean;
}

export interface EnvTarget {
  /** Knowledge-base id: the interpreter id for a managed env, `venv:<real path>` otherwise. */
  envId: string;
  envDir: string;
  scheme: InstallScheme;
  facts: InterpreterFacts;
  managed: boolean;
  interpreterId: string | undefined;
  /** For messages: "Python 3.11.7 (managed)" or the venv path. */
  label: string;
}

export class NotAnEnvironment extends OmnipkgError {
  constructor(dir: string, why: string) {
    super("NOT_AN_ENV", `${dir} is not a virtual environment: ${why}.`, {
      hint: "Create one with `python -m venv DIR`, or leave out --env to use omnipkg's managed environment.",
    });
  }
}

export async function resolveTarget(
  layout: HomeLayout,
  options: TargetOptions,
  kb: ProbeCache,
): Promise<EnvTarget> {
  const envFlag =
    options.env ?? (options.python || options.ignoreVirtualEnv ? undefined : process.env.VIRTUAL_ENV);
  if (envFlag) {
    const dir = resolve(envFlag);
    if (!existsSync(join(dir, "pyvenv.cfg"))) throw new NotAnEnvironment(dir, "it has no pyvenv.cfg");
    const real = realpathSync(dir);
    // A managed environment reached through VIRTUAL_ENV (or the `active` link) is still managed.
    const managedId = managedIdOf(layout, real);
    const managedRecord = managedId ? (await readConfig(layout)).interpreters[managedId] : undefined;
    if (managedRecord) return managedTarget(managedRecord, kb);
    const python = join(dir, "bin", "python");
    const facts = await probeInterpreter(python, kb);
    return {
      envId: `venv:${real}`,
      envDir: real,
      scheme: schemeForEnv(real),
      facts,
      managed: false,
      interpreterId: undefined,
      label: `${real} (Python ${facts.version})`,
    };
  }
  const config = await readConfig(layout);
  const record = options.python
    ? findAdopted(config, options.python)
    : config.activePython
      ? config.interpreters[config.activePython]
      : undefined;
  if (!record) {
    throw new OmnipkgError("NO_ACTIVE_PYTHON", "No interpreter is active.", {
      hint: "Run `omnipkg swap python <version>` or pass --python.",
    });
  }
  return managedTarget(record, kb);
}

/** Loaded only when needed: a plain venv (`--env`) never reads config.toml, nor loads the TOML parser. */
async function readConfig(layout: HomeLayout): Promise<OmnipkgConfig> {
  const { readConfigEnsuringPython } = await import("../python/ensureAdopted.ts");
  return readConfigEnsuringPython(layout);
}

function managedIdOf(layout: HomeLayout, realDir: string): string | undefined {
  let envsReal: string;
  try {
    envsReal = realpathSync(layout.envsDir);
  } catch {
    return undefined;
  }
  if (!realDir.startsWith(envsReal + "/")) return undefined;
  const rest = realDir.slice(envsReal.length + 1);
  return rest.includes("/") ? undefined : rest;
}

async function managedTarget(record: InterpreterRecord, kb: ProbeCache): Promise<EnvTarget> {
  assertUsable(record);
  const facts = await probeInterpreter(join(record.envDir, "bin", "python"), kb);
  return {
    envId: record.id,
    envDir: record.envDir,
    scheme: schemeForEnv(record.envDir),
    facts,
    managed: true,
    interpreterId: record.id,
    label: `Python ${facts.version} (${record.envDir})`,
  };
}
