import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { parse } from "smol-toml";
import { OmnipkgError } from "../core/errors.ts";
import { runtimeDir } from "../core/packageRoot.ts";
import { extractSdist } from "./extractSdist.ts";

const run = promisify(execFile);

/**
 * PEP 517/518 build of an sdist into a wheel, in an isolated build environment that omnipkg itself
 * fills (`installRequirements` is the install engine, injected so that this module does not depend
 * on the resolver). Projects without pyproject.toml get the PEP 517 fallback
 * `setuptools.build_meta:__legacy__`, as pip does.
 */

export interface BuildSystem {
  requires: string[];
  backend: string;
  backendPath?: string[];
}

export interface BuildOptions {
  /** Base interpreter that builds (the target environment's interpreter). */
  python: string;
  /** Scratch folder; a build dir is created and removed inside it. */
  tmpDir: string;
  installRequirements: (envDir: string, requirements: string[]) => Promise<void>;
  configSettings?: Record<string, string>;
  /** Receives the backend's output when the build fails, for the error message. */
  timeoutMs?: number;
}

/**
 * The first line of `detail` completes the sentence; the rest (the backend's own traceback and
 * output) follows indented, since it is what the package's authors need to see.
 */
export class BuildFailed extends OmnipkgError {
  constructor(sdist: string, detail: string, hint?: string) {
    const [first = "", ...rest] = detail.trimEnd().split("\n");
    const output = rest.length > 0 ? `\n  backend output:\n${rest.map((l) => `    ${l}`).join("\n")}` : "";
    super("BUILD_FAILED", `Building a wheel from ${basename(sdist)} failed: ${first}${output}`, {
      hint:
        hint ??
        "The package's build backend failed; a wheel for this interpreter may exist in another version.",
    });
  }
}

async function installBuildRequirements(
  options: BuildOptions,
  sdistPath: string,
  envDir: string,
  requirements: string[],
): Promise<void> {
  try {
    await options.installRequirements(envDir, requirements);
  } catch (error) {
    if (!(error instanceof OmnipkgError)) throw error;
    throw new BuildFailed(
      sdistPath,
      `its build requirements (${requirements.join(", ")}) could not be installed: ${error.message}`,
      error.hint,
    );
  }
}

export function readBuildSystem(projectDir: string): BuildSystem {
  const fallback: BuildSystem = {
    requires: ["setuptools>=40.8.0"],
    backend: "setuptools.build_meta:__legacy__",
  };
  const file = join(projectDir, "pyproject.toml");
  if (!existsSync(file)) return fallback;
  let doc: Record<string, unknown>;
  try {
    doc = parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new OmnipkgError(
      "BAD_PYPROJECT",
      `${file} is not valid TOML: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  const table = doc["build-system"] as Record<string, unknown> | undefined;
  if (!table) return fallback;
  const requires = Array.isArray(table.requires) ? table.requires.map(String) : fallback.requires;
  const backend = typeof table["build-backend"] === "string" ? table["build-backend"] : fallback.backend;
  const backendPath = Array.isArray(table["backend-path"]) ? table["backend-path"].map(String) : undefined;
  return backendPath ? { requires, backend, backendPath } : { requires, backend };
}

async function callHook(
  python: string,
  hook: string,
  projectDir: string,
  workDir: string,
  args: Record<string, unknown>,
  timeoutMs: number,
): Promise<unknown> {
  const argsFile = join(workDir, `${hook}.args.json`);
  const resultFile = join(workDir, `${hook}.result.json`);
  writeFileSync(argsFile, JSON.stringify(args));
  let output: string;
  try {
    const result = await run(
      python,
      [join(runtimeDir(), "pep517_hook.py"), hook, projectDir, argsFile, resultFile],
      {
        cwd: projectDir,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, PYTHONNOUSERSITE: "1" },
      },
    );
    output = `${result.stdout}${result.stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    output = `${e.stdout ?? ""}${e.stderr ?? ""}` || e.message;
  }
  if (!existsSync(resultFile)) throw new Error(`hook ${hook} did not finish:\n${output.slice(-4000)}`);
  const result = JSON.parse(readFileSync(resultFile, "utf8")) as {
    value?: unknown;
    error?: string;
    traceback?: string;
  };
  if (result.error) throw new Error(`${result.error}\n${(result.traceback ?? output).slice(-4000)}`);
  return result.value;
}

/** Build `sdistPath` into a wheel inside `outDir`; returns the wheel's path. */
export async function buildWheelFromSdist(
  sdistPath: string,
  outDir: string,
  options: BuildOptions,
): Promise<string> {
  mkdirSync(options.tmpDir, { recursive: true });
  const work = mkdtempSync(join(options.tmpDir, "build-"));
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  try {
    const projectDir = await extractSdist(sdistPath, join(work, "src"));
    const system = readBuildSystem(projectDir);
    const envDir = join(work, "env");
    await run(options.python, ["-m", "venv", "--without-pip", envDir]);
    const envPython = join(envDir, "bin", "python");
    if (system.requires.length > 0)
      await installBuildRequirements(options, sdistPath, envDir, system.requires);
    const hookArgs = {
      backend: system.backend,
      backend_path: system.backendPath,
      config_settings: options.configSettings ?? null,
      wheel_directory: outDir,
    };
    const extra = (await callHook(
      envPython,
      "get_requires_for_build_wheel",
      projectDir,
      work,
      hookArgs,
      timeoutMs,
    )) as string[];
    if (extra.length > 0) await installBuildRequirements(options, sdistPath, envDir, extra);
    mkdirSync(outDir, { recursive: true });
    const wheelName = (await callHook(
      envPython,
      "build_wheel",
      projectDir,
      work,
      hookArgs,
      timeoutMs,
    )) as string;
    const wheelPath = join(outDir, wheelName);
    if (!existsSync(wheelPath)) throw new Error(`the backend reported ${wheelName} but wrote no such file`);
    return wheelPath;
  } catch (error) {
    if (error instanceof OmnipkgError) throw error;
    throw new BuildFailed(sdistPath, (error as Error).message);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
