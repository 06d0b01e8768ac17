import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  statSync,
} from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, sep } from "node:path";
import { findPythonVersionFile, parsePythonVersionFile } from "./pythonVersionFile.ts";

/**
 * Where interpreters live, as data. Traps:
 * - The same interpreter is reachable under many names (python3 -> python3.11, /bin -> /usr/bin),
 *   so candidates are deduplicated by real path, first source wins.
 * - pyenv's shims and omnipkg's own `active/bin` are on PATH too. pyenv's shims are bash scripts and
 *   ours are symlinks into a managed venv; neither is an interpreter of its own, so shim folders and
 *   anything inside the omnipkg home are skipped, and so are text scripts (`#!`).
 * - Python 2 is refused by the probe, but spawning it on every `list` would defeat the probe cache:
 *   an executable whose real name is python2.x is skipped here without running it.
 */

export type InterpreterSource = "pyenv" | "uv" | "conda" | "homebrew" | "system" | "path" | "explicit";

export interface InterpreterCandidate {
  /** The path where it was found. */
  path: string;
  /** Symlinks resolved: the identity of the interpreter. */
  realPath: string;
  source: InterpreterSource;
}

export interface DiscoveryOptions {
  env?: NodeJS.ProcessEnv;
  /** omnipkg's home: nothing under it is an interpreter candidate. */
  homeRoot?: string;
}

const PATH_NAME = /^python(3(\.\d+t?)?)?$/;

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function isExecutableFile(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function isScript(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head.toString("latin1") === "#!";
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

export function pyenvRoot(env: NodeJS.ProcessEnv): string {
  return env.PYENV_ROOT || join(homedir(), ".pyenv");
}

/** The `bin/python3` (else `bin/python`) of each installation folder under `root`. */
function installationsUnder(root: string): string[] {
  const found: string[] = [];
  for (const name of listDir(root)) {
    for (const exe of ["python3", "python"]) {
      const path = join(root, name, "bin", exe);
      if (existsSync(path)) {
        found.push(path);
        break;
      }
    }
  }
  return found;
}

function uvPythonDir(env: NodeJS.ProcessEnv): string {
  if (env.UV_PYTHON_INSTALL_DIR) return env.UV_PYTHON_INSTALL_DIR;
  const dataHome = env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(dataHome, "uv", "python");
}

function condaRoots(env: NodeJS.ProcessEnv): string[] {
  const roots = new Set<string>();
  if (env.CONDA_PREFIX) roots.add(env.CONDA_PREFIX);
  if (env.MAMBA_ROOT_PREFIX) roots.add(env.MAMBA_ROOT_PREFIX);
  if (env.CONDA_EXE) roots.add(join(env.CONDA_EXE, "..", ".."));
  for (const name of ["miniconda3", "anaconda3", "miniforge3", "mambaforge", "micromamba"]) {
    roots.add(join(homedir(), name));
  }
  const envsDirs = [...roots].map((r) => join(r, "envs"));
  envsDirs.push(join(homedir(), ".conda", "envs"));
  const out: string[] = [];
  for (const root of roots) {
    const exe = join(root, "bin", "python3");
    if (existsSync(exe)) out.push(exe);
  }
  for (const dir of envsDirs) out.push(...installationsUnder(dir));
  return out;
}

/**
 * Homebrew prefixes: HOMEBREW_PREFIX (set by `brew shellenv`), and every PATH folder whose prefix
 * holds a `Cellar` (Homebrew's own marker), so no installation location has to be named.
 */
function homebrewBins(env: NodeJS.ProcessEnv): string[] {
  const prefixes = new Set<string>();
  if (env.HOMEBREW_PREFIX) prefixes.add(env.HOMEBREW_PREFIX);
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, "..", "Cellar"))) prefixes.add(join(dir, ".."));
  }
  return [...prefixes].map((p) => join(p, "bin"));
}

function pythonsInDir(dir: string): string[] {
  return listDir(dir)
    .filter((name) => PATH_NAME.test(name))
    .map((name) => join(dir, name));
}

function isInside(path: string, root: string | undefined): boolean {
  return root !== undefined && (path === root || path.startsWith(root + sep));
}

/** Every interpreter candidate on this machine, deduplicated by real path, managers first. */
export function discoverCandidates(options: DiscoveryOptions = {}): InterpreterCandidate[] {
  const env = options.env ?? process.env;
  const homeReal = options.homeRoot ? (safeRealpath(options.homeRoot) ?? options.homeRoot) : undefined;
  const shimDirs = new Set([join(pyenvRoot(env), "shims")].map((d) => safeRealpath(d) ?? d));
  const seen = new Map<string, InterpreterCandidate>();

  const consider = (path: string, source: InterpreterSource): void => {
    if (isInside(path, options.homeRoot) || !isExecutableFile(path)) return;
    const realPath = safeRealpath(path);
    if (!realPath || seen.has(realPath) || isInside(realPath, homeReal)) return;
    if (/python2(\.\d+)?$/.test(realPath) || isScript(realPath)) return;
    seen.set(realPath, { path, realPath, source });
  };

  for (const exe of installationsUnder(join(pyenvRoot(env), "versions"))) consider(exe, "pyenv");
  for (const exe of installationsUnder(uvPythonDir(env))) consider(exe, "uv");
  for (const exe of condaRoots(env)) consider(exe, "conda");
  for (const bin of homebrewBins(env)) for (const exe of pythonsInDir(bin)) consider(exe, "homebrew");
  for (const bin of ["/usr/local/bin", "/usr/bin"])
    for (const exe of pythonsInDir(bin)) consider(exe, "system");
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir || isInside(dir, options.homeRoot)) continue;
    const real = safeRealpath(dir) ?? dir;
    if (shimDirs.has(real) || isInside(real, homeReal)) continue;
    for (const exe of pythonsInDir(dir)) consider(exe, "path");
  }
  return [...seen.values()];
}

/** Where discovery looked, for "not found" messages. */
export function searchedLocations(env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    "PATH",
    `pyenv (${join(pyenvRoot(env), "versions")})`,
    `uv (${uvPythonDir(env)})`,
    "conda/mamba environments",
    "Homebrew",
    "/usr/local/bin",
    "/usr/bin",
  ];
}

/**
 * The interpreter the user gets from `python3` today: the first python3 on PATH outside omnipkg's
 * home. A pyenv shim is followed the way pyenv would (PYENV_VERSION, .python-version upwards, the
 * global version file) without spawning pyenv; "system" or an unknown version falls through to the
 * next PATH entry.
 */
export function defaultPython3(options: DiscoveryOptions & { cwd?: string } = {}): string | undefined {
  const env = options.env ?? process.env;
  const root = pyenvRoot(env);
  const shims = safeRealpath(join(root, "shims")) ?? join(root, "shims");
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir || isInside(dir, options.homeRoot)) continue;
    const exe = join(dir, "python3");
    if (!isExecutableFile(exe)) continue;
    if ((safeRealpath(dir) ?? dir) === shims) {
      const version = pyenvSelectedVersion(env, options.cwd ?? process.cwd(), root);
      const target = version ? join(root, "versions", version, "bin", "python3") : undefined;
      if (target && isExecutableFile(target)) return target;
      continue;
    }
    if (isScript(safeRealpath(exe) ?? exe)) continue;
    return exe;
  }
  return undefined;
}

function pyenvSelectedVersion(env: NodeJS.ProcessEnv, cwd: string, root: string): string | undefined {
  if (env.PYENV_VERSION) return env.PYENV_VERSION.split(":")[0];
  const local = findPythonVersionFile(cwd);
  if (local) return local.request;
  try {
    return parsePythonVersionFile(readFileSync(join(root, "version"), "utf8"));
  } catch {
    return undefined;
  }
}
