import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Runs the real CLI (bin/omnipkg.js over the esbuild bundle) against a temp home, the way a user
 * does. Each test file bundles its own copy with the project's build script into a temp package
 * folder, so it always tests the current sources and is not broken by another process rebuilding
 * dist/ at the same moment.
 */
export const REPO = resolve(import.meta.dirname, "..", "..");
/** The bin script of the private build; set by `prepareCli()` (a live binding). */
export let BIN = join(REPO, "bin", "omnipkg.js");
let prepared: string | undefined;

export function prepareCli(): void {
  if (prepared) return;
  const root = mkdtempSync(join(tmpdir(), "omnipkg-cli-build-"));
  chmodSync(root, 0o755); // the `nobody` test runs this copy too
  process.on("exit", () => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "bin"));
  copyFileSync(join(REPO, "bin", "omnipkg.js"), join(root, "bin", "omnipkg.js"));
  copyFileSync(join(REPO, "package.json"), join(root, "package.json"));
  symlinkSync(join(REPO, "src"), join(root, "src"));
  symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"));
  const build = spawnSync(process.execPath, [join(REPO, "scripts", "build.mjs")], {
    cwd: root,
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`building the CLI failed: ${build.stderr}`);
  BIN = join(root, "bin", "omnipkg.js");
  prepared = root;
}

/** Older name, used by other areas' tests: also builds the private copy (and updates BIN). */
export const assertBuilt = prepareCli;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  home: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

export function cliEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.FORCE_COLOR;
  delete env.OMNIPKG_DEBUG;
  return { ...env, OMNIPKG_HOME: home, NO_COLOR: "1", ...extra };
}

export function runCli(args: string[], options: CliOptions): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: cliEnv(options.home, options.env),
    input: options.input ?? "",
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function runCliAsync(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO,
      env: cliEnv(options.home, options.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `omnipkg-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** What the `active` link points at: the env id, or undefined. */
export function activeLinkId(home: string): string | undefined {
  try {
    return readlinkSync(join(home, "active")).split("/").pop();
  } catch {
    return undefined;
  }
}

export function configActive(home: string): string | undefined {
  const m = /^active_python = "([^"]+)"/m.exec(readFileSync(join(home, "config.toml"), "utf8"));
  return m?.[1];
}

/** A cheap fingerprint of the home's state that a failed command must leave untouched. */
export function homeState(home: string): string {
  const config = existsSync(join(home, "config.toml")) ? readFileSync(join(home, "config.toml"), "utf8") : "";
  const envs = existsSync(join(home, "envs")) ? readdirSync(join(home, "envs")).sort().join(",") : "";
  return JSON.stringify({ config, envs, active: activeLinkId(home) ?? null });
}

/** Python 2 from pyenv when the machine has it; otherwise a script that answers like one. */
export function python2(dir: string): string {
  const root = process.env.PYENV_ROOT ?? join(homedir(), ".pyenv");
  let names: string[] = [];
  try {
    names = readdirSync(join(root, "versions")).filter((n) => n.startsWith("2."));
  } catch {
    // no pyenv
  }
  for (const name of names) {
    const exe = join(root, "versions", name, "bin", "python");
    if (existsSync(exe)) return exe;
  }
  const fake = join(dir, "python");
  writeFileSync(
    fake,
    "#!/bin/sh\necho 'Unknown option: -I' >&2\necho 'usage: python [option] ... [-c cmd | -m mod | file | -] [arg] ...' >&2\nexit 2\n",
  );
  chmodSync(fake, 0o755);
  return fake;
}
