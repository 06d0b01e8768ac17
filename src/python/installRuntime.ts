import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fsyncDir, makeStagingDir, writeFileAtomic } from "../core/atomicFs.ts";
import { packageRoot, runtimeDir } from "../core/packageRoot.ts";
import { createDebug } from "../core/debug.ts";
import { envPython } from "./envPaths.ts";
import { ManagedEnvMissing } from "./errors.ts";

const debug = createDebug("python");

/**
 * Ships omnipkg's Python side into a managed environment:
 * - site-packages/omnipkg/: every file of src/runtime/omnipkg/, plus `_cli.json` telling Python code
 *   how to call this CLI (node executable + bin script). Built in a staging folder beside it and
 *   renamed into place, so a running process never imports a half-copied package.
 * - site-packages/_omnipkg_pin.pth: pins a process to the environment it started in. Started through
 *   the shim, a process has sys.prefix `<home>/active`; a later swap renames that link, and without
 *   the pin its next import would search another interpreter's site-packages. Its one `import` line
 *   loads `_omnipkg_pin.py`, which rewrites sys.prefix, sys.exec_prefix, sys.executable and the
 *   sys.path entries under the prefix to their real paths at start-up.
 */

export const PIN_PTH = "_omnipkg_pin.pth";

export const PIN_MODULE = "_omnipkg_pin.py";

/**
 * The pin, as a module the .pth line imports (readable, unlike a one-line lambda). Trap: in a venv,
 * site.main() adds site-packages twice, once from venv() with the prefix as started and once more
 * from PREFIXES, which venv() fills *after* the .pth files ran, i.e. with the rewritten real prefix.
 * Left alone, that second pass appends the real site-packages again and runs every .pth file twice,
 * so the pin also wraps that one call and drops the prefix it has already handled.
 */
const PIN_SOURCE = `# Written by omnipkg (see installRuntime.ts): pins this process to the environment it started in.
import os
import sys


def _rewrite(link, real):
    def fix(path):
        if path == link or path.startswith(link + os.sep):
            return real + path[len(link):]
        return path

    for name in ("prefix", "exec_prefix", "executable"):
        value = getattr(sys, name, None)
        if value:
            setattr(sys, name, fix(value))
    seen = set()
    entries = []
    for entry in sys.path:
        entry = fix(entry)
        if entry not in seen:
            seen.add(entry)
            entries.append(entry)
    sys.path[:] = entries


def _pin():
    link = sys.prefix
    real = os.path.realpath(link)
    if real == link:
        return
    _rewrite(link, real)
    site = sys.modules.get("site")
    original = getattr(site, "addsitepackages", None)
    if original is None:
        return

    def addsitepackages(known_paths, prefixes=None):
        site.addsitepackages = original
        _rewrite(link, real)
        wanted = [p for p in (prefixes or site.PREFIXES) if os.path.realpath(p) != real]
        return original(known_paths, wanted) if wanted else known_paths

    site.addsitepackages = addsitepackages


_pin()
`;

/**
 * The .pth line runs at every start of the environment's python, so it imports the pin only when
 * the prefix really goes through a symlink (started via the shims); run by its real path, the
 * environment pays one realpath() and nothing else.
 */
const PIN_LINE =
  "import os, sys; os.path.realpath(sys.prefix) != sys.prefix and __import__('_omnipkg_pin')\n";

/**
 * Compile the pin and the runtime package once, here. Python reads a fresh .pyc even when
 * PYTHONDONTWRITEBYTECODE forbids writing one (this machine sets it), so without this step every
 * start through the shim would compile the pin from source again (~1.7 ms).
 */
function compileBytecode(envDir: string, paths: string[]): void {
  const env = { ...process.env };
  delete env.PYTHONDONTWRITEBYTECODE;
  try {
    execFileSync(envPython(envDir), ["-m", "compileall", "-q", ...paths], {
      env,
      stdio: "ignore",
      timeout: 60_000,
    });
  } catch (error) {
    debug(`could not compile omnipkg's runtime files in ${envDir}: ${String(error)}`);
  }
}

/** site-packages of a POSIX venv: lib/<python3.X | python3.Xt | pypy3.X>/site-packages. */
export function sitePackagesOf(envDir: string): string {
  const lib = join(envDir, "lib");
  let names: string[] = [];
  try {
    names = readdirSync(lib);
  } catch {
    // fall through to the error below
  }
  for (const name of names) {
    const candidate = join(lib, name, "site-packages");
    if (existsSync(candidate)) return candidate;
  }
  throw new ManagedEnvMissing(envDir.split("/").pop() ?? envDir, envDir);
}

export interface CliLocation {
  node: string;
  bin: string;
}

export function cliLocation(): CliLocation {
  return { node: process.execPath, bin: join(packageRoot(), "bin", "omnipkg.js") };
}

/** Replace `site-packages/<name>` with a staged copy of `src/runtime/<name>` in one rename. */
function shipPackage(sitePackages: string, name: string, extraFiles: Record<string, string> = {}): string {
  const finalDir = join(sitePackages, name);
  const staging = makeStagingDir(finalDir);
  try {
    const source = join(runtimeDir(), name);
    if (existsSync(source)) {
      cpSync(source, staging, {
        recursive: true,
        filter: (src) => !src.includes("__pycache__"),
      });
    }
    for (const [file, text] of Object.entries(extraFiles)) {
      writeFileAtomic(join(staging, file), text, { syncDir: false });
    }
    fsyncDir(staging);
    const old = existsSync(finalDir) ? `${staging}.old` : undefined;
    if (old) renameSync(finalDir, old);
    renameSync(staging, finalDir);
    if (old) rmSync(old, { recursive: true, force: true });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return finalDir;
}

/**
 * Ship omnipkg's Python side into an environment: the `omnipkg` package (the bubble loader, with
 * `_cli.json` saying how to call this CLI) and `omnipkg_worker` (the client for warm workers, used
 * by `omnipkg.interpreter()` and `loader(..., isolate=True)`), plus the pin for shim-started
 * processes.
 */
export function installRuntime(envDir: string, cli: CliLocation = cliLocation()): string {
  const sitePackages = sitePackagesOf(envDir);
  const loaderDir = shipPackage(sitePackages, "omnipkg", {
    "_cli.json": JSON.stringify(cli, null, 2) + "\n",
  });
  const workerDir = shipPackage(sitePackages, "omnipkg_worker");
  fsyncDir(sitePackages);
  writeFileAtomic(join(sitePackages, PIN_MODULE), PIN_SOURCE, { syncDir: false });
  writeFileAtomic(join(sitePackages, PIN_PTH), PIN_LINE);
  compileBytecode(envDir, [join(sitePackages, PIN_MODULE), loaderDir, workerDir]);
  return sitePackages;
}
