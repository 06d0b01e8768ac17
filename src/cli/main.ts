import { Command, CommanderError } from "commander";
import { isOmnipkgError } from "../core/errors.ts";
import { paint } from "../core/output.ts";
import { registerCommands } from "./commands.ts";

/**
 * The CLI only declares flags and maps errors to exit codes: 0 success, 1 failure the user can act
 * on, 2 bad usage or an unexpected error. Command modules load their engines lazily so that a swap
 * does not pay for SQLite or the network stack.
 */

function reportError(error: unknown): number {
  if (isOmnipkgError(error)) {
    process.stderr.write(`${paint("red", "error", process.stderr)}: ${error.message}\n`);
    if (error.hint) process.stderr.write(`${paint("cyan", "hint", process.stderr)}: ${error.hint}\n`);
    return error.exitCode;
  }
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${paint("red", "error", process.stderr)}: unexpected failure: ${message}\n`);
  if (process.env.OMNIPKG_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(error.stack + "\n");
  else process.stderr.write("hint: run again with OMNIPKG_DEBUG=* for details, and report it.\n");
  return 2;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = new Command();
  program
    .name("omnipkg")
    .description("Many Python interpreters and many versions of one package in one environment.")
    .version(process.env.npm_package_version ?? "0.1.0", "-V, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      outputError: (text, write) =>
        write(text.replace(/^error:/, `${paint("red", "error", process.stderr)}:`)),
    });
  registerCommands(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

const code = await main();
process.exitCode = code;
