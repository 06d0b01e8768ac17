import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { writeConfig, emptyConfig } from "../../src/core/config.ts";
import { findTestPythonsAtLeast, requirePythons, type TestPython } from "../helpers/pythons.ts";

/**
 * A throwaway omnipkg home holding real interpreters, as the interpreter area would leave it:
 * config.toml listing them and one `venv --without-pip` per interpreter under envs/<version>.
 * Homes live directly under /tmp with short names: a Unix socket path must fit in 108 bytes.
 */

export const repoRoot = resolve(import.meta.dirname, "..", "..");
export const cliMain = join(repoRoot, "src", "cli", "main.ts");

export interface TestHome {
  root: string;
  pythons: TestPython[];
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

export function makeHome(count = 3, minMinor = 8): TestHome {
  requirePythons(count, minMinor);
  // Spread over the range (oldest first): the oldest, the newest, and what lies between.
  const all = findTestPythonsAtLeast(minMinor);
  const picks = new Set([all.length - 1, 0]);
  for (let i = 1; picks.size < count; i++) picks.add(Math.round((i * (all.length - 1)) / count));
  const pythons = [...picks].sort((a, b) => b - a).map((i) => all[i]!);
  const root = mkdtempSync(join(tmpdir(), "mv-"));
  const config = emptyConfig();
  for (const p of pythons) {
    const envDir = join(root, "envs", p.version);
    execFileSync(p.path, ["-m", "venv", "--without-pip", envDir], { stdio: "ignore" });
    config.interpreters[p.version] = {
      id: p.version,
      implementation: "cpython",
      version: p.version,
      path: p.path,
      source: "pyenv",
      envDir,
      adoptedAt: new Date().toISOString(),
    };
  }
  config.activePython = pythons[0]!.version;
  writeConfig(join(root, "config.toml"), config);
  // XDG_RUNTIME_DIR unset: the daemon folder is <home>/run, private to this test.
  const env: NodeJS.ProcessEnv = { ...process.env, OMNIPKG_HOME: root, NO_COLOR: "1" };
  delete env.XDG_RUNTIME_DIR;
  return { root, pythons, env, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Ship omnipkg_worker into an environment's site-packages, as adoption does in the product. */
export function shipWorker(envDir: string, minor: string): string {
  const site = join(envDir, "lib", `python${minor}`, "site-packages");
  cpSync(join(repoRoot, "src", "runtime", "omnipkg_worker"), join(site, "omnipkg_worker"), {
    recursive: true,
  });
  return site;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the real CLI (through tsx, from source) with the test home. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ["--import", "tsx", cliMain, ...args], { env, cwd: repoRoot });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

/** A module the workers import in tests (PYTHONPATH), plus a stand-in `omnipkg.loader` that records the specs it entered. */
export function writePythonFixtures(dir: string): void {
  mkdirSync(join(dir, "omnipkg"), { recursive: true });
  writeFileSync(
    join(dir, "mvfix.py"),
    [
      "import os, sys, time",
      "def echo(*args, **kwargs):",
      "    return {'args': args, 'kwargs': kwargs}",
      "def ident(value):",
      "    return value",
      "def version():",
      "    return '%d.%d' % sys.version_info[:2]",
      "def pid():",
      "    return os.getpid()",
      "def tag(i):",
      "    return [i, '%d.%d' % sys.version_info[:2]]",
      "def boom(message):",
      "    raise ValueError(message)",
      "def hang(seconds=600):",
      "    time.sleep(seconds)",
      "def crash(code=9):",
      "    os._exit(code)",
      "def slow_pid(seconds):",
      "    time.sleep(seconds)",
      "    return os.getpid()",
      "def unsendable():",
      "    return object()",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "omnipkg", "__init__.py"),
    [
      "import contextlib, os",
      "ENTERED = []",
      "@contextlib.contextmanager",
      "def loader(*specs):",
      "    if any(s.startswith('missing') for s in specs):",
      "        raise LookupError('no bubble for %s' % ', '.join(specs))",
      "    ENTERED.extend(specs)",
      "    os.environ['OMNIPKG_TEST_BUBBLES'] = ','.join(specs)",
      "    yield",
      "",
    ].join("\n"),
  );
}

/**
 * What adoption writes into site-packages/omnipkg/_cli.json: how Python finds the omnipkg CLI to
 * start the daemon. From source that CLI needs tsx, so "bin" is a tiny wrapper that loads it.
 */
export function writeCliJson(site: string, home: string): void {
  const wrapper = join(home, "omnipkg-cli.mjs");
  const loader = pathToFileURL(join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
  writeFileSync(
    wrapper,
    `import ${JSON.stringify(loader)};\nawait import(${JSON.stringify(pathToFileURL(cliMain).href)});\n`,
  );
  mkdirSync(join(site, "omnipkg"), { recursive: true });
  writeFileSync(join(site, "omnipkg", "_cli.json"), JSON.stringify({ node: process.execPath, bin: wrapper }));
}
