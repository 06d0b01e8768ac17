import { readFileSync } from "node:fs";
import { parse, stringify, TomlError } from "smol-toml";
import { errnoCode, OmnipkgError } from "./errors.ts";
import { writeFileAtomic } from "./atomicFs.ts";

/**
 * The config file is TOML so people can read and edit it. It also holds the registry of adopted
 * interpreters, because `swap` must validate a version without opening the knowledge base (the swap
 * path loads no SQLite, to stay under its time budget).
 */

export interface InterpreterRecord {
  /** Stable id used for the managed environment folder and on the command line, e.g. "3.9.18". */
  id: string;
  implementation: string;
  version: string;
  /** Real path of the interpreter executable (symlinks resolved). */
  path: string;
  /** Where discovery found it: pyenv, system, path, uv, conda, homebrew, explicit. */
  source: string;
  /** Managed virtual environment for this interpreter inside the home. */
  envDir: string;
  adoptedAt: string;
}

export interface OmnipkgConfig {
  /** Id of the active interpreter (a key of `interpreters`). */
  activePython?: string;
  interpreters: Record<string, InterpreterRecord>;
  /** Free-form settings sections other areas own (index, install strategy, daemon, kb). */
  settings: Record<string, unknown>;
}

const HEADER = "# omnipkg configuration. Edit by hand if you like; omnipkg rewrites it atomically.\n";

export function emptyConfig(): OmnipkgConfig {
  return { interpreters: {}, settings: {} };
}

function corrupt(path: string, detail: string, cause?: unknown): OmnipkgError {
  return new OmnipkgError("CONFIG_CORRUPT", `The config file ${path} is not valid: ${detail}.`, {
    hint: "Run `omnipkg doctor` to see how to repair it; omnipkg has not changed it.",
    cause,
  });
}

export function readConfig(path: string): OmnipkgConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return emptyConfig();
    throw error;
  }
  let raw: Record<string, unknown>;
  try {
    raw = parse(text) as Record<string, unknown>;
  } catch (error) {
    const detail = error instanceof TomlError ? error.message.split("\n")[0]! : String(error);
    throw corrupt(path, detail, error);
  }
  const config = emptyConfig();
  const active = raw.active_python;
  if (active !== undefined) {
    if (typeof active !== "string") throw corrupt(path, "active_python must be a string");
    config.activePython = active;
  }
  const interpreters = raw.interpreters ?? {};
  if (typeof interpreters !== "object" || interpreters === null || Array.isArray(interpreters)) {
    throw corrupt(path, "[interpreters] must be a table");
  }
  for (const [id, value] of Object.entries(interpreters as Record<string, unknown>)) {
    const v = value as Record<string, unknown>;
    for (const key of ["implementation", "version", "path", "source", "env_dir"]) {
      if (typeof v?.[key] !== "string") throw corrupt(path, `interpreters."${id}".${key} is missing`);
    }
    config.interpreters[id] = {
      id,
      implementation: v.implementation as string,
      version: v.version as string,
      path: v.path as string,
      source: v.source as string,
      envDir: v.env_dir as string,
      adoptedAt: typeof v.adopted_at === "string" ? v.adopted_at : "",
    };
  }
  if (config.activePython !== undefined && !(config.activePython in config.interpreters)) {
    throw corrupt(path, `active_python "${config.activePython}" is not an adopted interpreter`);
  }
  for (const [key, value] of Object.entries(raw)) {
    if (key !== "active_python" && key !== "interpreters") config.settings[key] = value;
  }
  return config;
}

export function serializeConfig(config: OmnipkgConfig): string {
  const raw: Record<string, unknown> = {};
  if (config.activePython !== undefined) raw.active_python = config.activePython;
  for (const [key, value] of Object.entries(config.settings)) raw[key] = value;
  const interpreters: Record<string, unknown> = {};
  for (const [id, r] of Object.entries(config.interpreters)) {
    interpreters[id] = {
      implementation: r.implementation,
      version: r.version,
      path: r.path,
      source: r.source,
      env_dir: r.envDir,
      adopted_at: r.adoptedAt,
    };
  }
  raw.interpreters = interpreters;
  return HEADER + stringify(raw) + "\n";
}

export function writeConfig(path: string, config: OmnipkgConfig): void {
  writeFileAtomic(path, serializeConfig(config));
}
