import { paint } from "../core/output.ts";
import { ignoreClosedPipes, runToExitCode } from "./reportError.ts";
import { omnipkgVersion } from "../core/packageRoot.ts";

/**
 * The CLI only declares flags and maps errors to exit codes: 0 success, 1 failure the user can act
 * on, 2 bad usage or an unexpected error. Command modules load their engines lazily so that a swap
 * does not pay for SQLite or the network stack.
 */

export async function main(argv: string[] = process.argv): Promise<number> {
  const [{ Command }, { registerCommands }] = await Promise.all([
    import("commander"),
    import("./commands.ts"),
  ]);
  const program = new Command();
  program
    .name("omnipkg")
    .description("Many Python interpreters and many versions of one package in one environment.")
    .version(omnipkgVersion(), "-V, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      outputError: (text, write) =>
        write(text.replace(/^error:/, `${paint("red", "error", process.stderr)}:`)),
    });
  registerCommands(program);
  return runToExitCode(() => program.parseAsync(argv));
}

ignoreClosedPipes();
const code = await main();
// Everything a command does is awaited inside main() (the daemon's `serve` returns only when it
// stops), so exit now rather than let V8 run a final full collection (~10 ms after a large
// install). Writes to files, pipes and TTYs are synchronous on Linux: nothing printed is lost.
process.exit(code);
