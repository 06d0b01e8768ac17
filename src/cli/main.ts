import { isOmnipkgError } from "../core/errors.ts";
import { paint } from "../core/output.ts";

/**
 * The CLI only declares flags and maps errors to exit codes: 0 success, 1 failure the user can act
 * on, 2 bad usage or an unexpected error. Command modules load their engines lazily so that a swap
 * does not pay for SQLite or the network stack.
 */

// commander is loaded lazily (see fastPath), so its error class is recognised by shape.
function isCommanderError(error: unknown): error is { exitCode: number; code: string } {
  const e = error as { exitCode?: unknown; code?: unknown } | null;
  return typeof e?.exitCode === "number" && typeof e.code === "string" && e.code.startsWith("commander.");
}

/**
 * `omnipkg swap python <VERSION>` is the command people run most and feel most: it skips commander
 * and the registration of every other command (about 9 ms of a 40 ms budget).
 */
function fastPath(argv: string[]): (() => Promise<void>) | undefined {
  const args = argv.slice(2);
  if (
    args.length === 3 &&
    args[0] === "swap" &&
    args[1] === "python" &&
    /^[0-9][0-9a-z.+]*$/i.test(args[2]!)
  ) {
    return async () => (await import("./swap.ts")).swapPythonAction(args[2], {});
  }
  return undefined;
}

function reportError(error: unknown): number {
  if (isOmnipkgError(error)) {
    process.stderr.write(`${paint("red", "error", process.stderr)}: ${error.message}\n`);
    if (error.hint) process.stderr.write(`${paint("cyan", "hint", process.stderr)}: ${error.hint}\n`);
    return error.exitCode;
  }
  if (isCommanderError(error)) return error.exitCode === 0 ? 0 : 2;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${paint("red", "error", process.stderr)}: unexpected failure: ${message}\n`);
  if (process.env.OMNIPKG_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(error.stack + "\n");
  else process.stderr.write("hint: run again with OMNIPKG_DEBUG=* for details, and report it.\n");
  return 2;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const fast = fastPath(argv);
  if (fast) {
    try {
      await fast();
      return typeof process.exitCode === "number" ? process.exitCode : 0;
    } catch (error) {
      return reportError(error);
    }
  }
  const [{ Command }, { registerCommands }] = await Promise.all([
    import("commander"),
    import("./commands.ts"),
  ]);
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

// `omnipkg list | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const code = await main();
process.exitCode = code;
