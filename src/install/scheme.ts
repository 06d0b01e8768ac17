import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { errnoCode } from "../core/errors.ts";
import { notAVenv } from "./errors.ts";

/**
 * Where a wheel's files go in a POSIX virtual environment (the sysconfig `venv`/`posix_prefix`
 * scheme). Read from `pyvenv.cfg` and the folder itself so no Python process is needed.
 * Traps: venv writes `version = 3.11.7` while uv writes `version_info = 3.12.1.final.0`; a
 * free-threaded build uses `lib/python3.13t`; headers go to `include/site/pythonX.Y/<dist>`.
 */
export interface InstallScheme {
  envDir: string;
  purelib: string;
  platlib: string;
  scripts: string;
  /** `include/site/pythonX.Y`; a distribution's headers go in a sub-folder named after it. */
  headersRoot: string;
  data: string;
  /** The environment's interpreter, written into shebangs. */
  python: string;
  /** "3.11" */
  pythonVersion: string;
}

export function readPyvenvCfg(envDir: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(join(envDir, "pyvenv.cfg"), "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") throw notAVenv(envDir, "it has no pyvenv.cfg");
    throw error;
  }
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const eq = line.indexOf("=");
    if (eq === -1) continue;
    values[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return values;
}

export function schemeForEnv(envDir: string): InstallScheme {
  const root = resolve(envDir);
  const cfg = readPyvenvCfg(root);
  const full = cfg.version ?? cfg.version_info;
  const match = full === undefined ? null : /^(\d+)\.(\d+)/.exec(full);
  if (!match) throw notAVenv(root, "pyvenv.cfg has no version");
  const pythonVersion = `${match[1]}.${match[2]}`;
  let purelib: string | undefined;
  for (const libName of [`python${pythonVersion}`, `python${pythonVersion}t`]) {
    const candidate = join(root, "lib", libName, "site-packages");
    if (existsSync(candidate)) {
      purelib = candidate;
      break;
    }
  }
  if (purelib === undefined) throw notAVenv(root, `lib/python${pythonVersion}/site-packages does not exist`);
  return {
    envDir: root,
    purelib,
    platlib: purelib,
    scripts: join(root, "bin"),
    headersRoot: join(root, "include", "site", `python${pythonVersion}`),
    data: root,
    python: join(root, "bin", "python"),
    pythonVersion,
  };
}

/** Main's site folders: purelib, and platlib when it is another folder. */
export function siteDirs(scheme: InstallScheme): string[] {
  return scheme.platlib === scheme.purelib ? [scheme.purelib] : [scheme.purelib, scheme.platlib];
}
