import { runCliAsync, type CliResult } from "../python/cliHarness.ts";
import { isolatedEnv, type World } from "./installFixtures.ts";

/**
 * The CLI run asynchronously: the test's index server (and Redis client) live in this process, so
 * a synchronous spawn would stop them answering. `install`/`revert` get the test index; package
 * commands get `--env <venv>` unless they name a target.
 */
/** Environment every call gets (a suite running against Redis sets OMNIPKG_KB here). */
export const defaults: { env: NodeJS.ProcessEnv } = { env: {} };

export function cli(w: World, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const needsIndex = ["install", "revert"].includes(args[0]!) && !args.includes("--index-url");
  const wantsEnv =
    ["install", "uninstall", "history", "revert", "status", "rebuild-kb"].includes(args[0]!) &&
    !args.includes("--env") &&
    !args.includes("--python");
  const full = [
    ...args,
    ...(needsIndex ? ["--index-url", w.server.indexUrl] : []),
    ...(wantsEnv ? ["--env", w.venv] : []),
  ];
  return runCliAsync(full, { home: w.home, env: { ...isolatedEnv(), ...defaults.env, ...extraEnv } });
}

export async function ok(w: World, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const r = await cli(w, args, extraEnv);
  if (r.code !== 0) throw new Error(`omnipkg ${args.join(" ")} exited ${r.code}:\n${r.stderr}`);
  return r;
}
