import { fastParse } from "./fastArgs.ts";
import { installAction, type InstallFlags } from "./install.ts";
import { installOptionSpecs } from "./installOptions.ts";
import { ignoreClosedPipes, runToExitCode } from "./reportError.ts";

/**
 * Entry for `omnipkg install ...` (bin/omnipkg.js routes every install here). A warm install is
 * over in ~100 ms, so the full CLI's start (commander, every command registered, a graph of ~40
 * chunks, each import of a Node builtin paying for an ES-module facade) was a third of it. This
 * entry is one CommonJS file (scripts/build.mjs): it reads the command line with the install
 * command's own option table and calls the same action; the engine's modules initialise when the
 * action imports them, and the builtins they use load with them. A command line it does not fully
 * understand (help, errors, unusual shapes) goes to the full CLI, so commander keeps the last word
 * on every message and exit code.
 */
async function run(): Promise<void> {
  let parsed: ReturnType<typeof fastParse>;
  try {
    parsed = fastParse(installOptionSpecs(), process.argv.slice(3));
  } catch {
    parsed = undefined; // an option table this reader cannot follow: the full CLI can
  }
  if (!parsed) {
    // A computed specifier keeps esbuild from bundling the full CLI into this file.
    const fullCli = "./cli.js";
    await import(fullCli);
    return;
  }
  const { operands, values } = parsed;
  ignoreClosedPipes();
  const code = await runToExitCode(() => installAction(operands, values as InstallFlags));
  // As in src/cli/main.ts: everything is awaited, so exit now rather than let V8 collect first.
  process.exit(code);
}

void run();
