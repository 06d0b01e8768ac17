import { existsSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { readConfig, type OmnipkgConfig } from "../core/config.ts";
import { isOmnipkgError } from "../core/errors.ts";
import type { HomeLayout } from "../core/home.ts";
import { readActiveId } from "./homeState.ts";
import { findPythonVersionFile, type PythonVersionFile } from "./pythonVersionFile.ts";

/**
 * `status`: where the home is, which knowledge-base backend answers, what the shims run, whether
 * the shims really come first on PATH, and which .python-version applies here.
 */
export interface PathPlacement {
  onPath: boolean;
  /** No folder before the shims on PATH provides a `python` or `python3`. */
  leads: boolean;
  /** The first folder on PATH that provides python3, when it is not the shims. */
  shadowedBy: string | null;
}

export function shimsPlacement(layout: HomeLayout, env: NodeJS.ProcessEnv = process.env): PathPlacement {
  const dirs = (env.PATH ?? "").split(delimiter).filter(Boolean);
  let shadowedBy: string | null = null;
  for (const dir of dirs) {
    if (resolve(dir) === layout.shimsDir) return { onPath: true, leads: shadowedBy === null, shadowedBy };
    if (shadowedBy === null && (existsSync(join(dir, "python3")) || existsSync(join(dir, "python")))) {
      shadowedBy = dir;
    }
  }
  return { onPath: false, leads: false, shadowedBy };
}

export interface HomeStatus {
  home: string;
  configFile: string;
  configError: string | null;
  kbBackend: string;
  active: { id: string; version: string; interpreter: string; env: string } | null;
  /** Set when config and link disagree (an interrupted swap; the next command repairs it). */
  configActive: string | null;
  shimsDir: string;
  shims: PathPlacement;
  pythonVersionFile: PythonVersionFile | null;
}

export function readStatus(
  layout: HomeLayout,
  kbBackend: string,
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): HomeStatus {
  let config: OmnipkgConfig | undefined;
  let configError: string | null = null;
  try {
    config = readConfig(layout.configFile);
  } catch (error) {
    if (!isOmnipkgError(error)) throw error;
    configError = error.message;
  }
  const activeId = readActiveId(layout) ?? config?.activePython;
  const record = activeId !== undefined ? config?.interpreters[activeId] : undefined;
  return {
    home: layout.root,
    configFile: layout.configFile,
    configError,
    kbBackend,
    active: record
      ? { id: record.id, version: record.version, interpreter: record.path, env: record.envDir }
      : null,
    configActive: config?.activePython ?? null,
    shimsDir: layout.shimsDir,
    shims: shimsPlacement(layout, options.env),
    pythonVersionFile: findPythonVersionFile(options.cwd) ?? null,
  };
}
