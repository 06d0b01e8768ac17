import { isOmnipkgError } from "../core/errors.ts";
import { paint } from "../core/output.ts";

/**
 * The one place errors become text and exit codes: 0 success, 1 a failure the user can act on
 * (OmnipkgError), 2 bad usage or an unexpected error. Never a stack trace for a user error.
 */
// commander is loaded lazily (the swap fast path never loads it), so its error is recognised by shape.
function isCommanderError(error: unknown): error is { exitCode: number; code: string } {
  const e = error as { exitCode?: unknown; code?: unknown } | null;
  return typeof e?.exitCode === "number" && typeof e.code === "string" && e.code.startsWith("commander.");
}

export function reportError(error: unknown): number {
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

/**
 * Runs a command to its exit code: the command's own `process.exitCode` when it set one, else 0;
 * a thrown error through reportError. Both entries (src/cli/main.ts, src/cli/fastInstall.ts) end here.
 */
export async function runToExitCode(command: () => Promise<unknown>): Promise<number> {
  try {
    await command();
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

/** `omnipkg list | head` closes the pipe early: that is the reader's choice, not an error. */
export function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
}
