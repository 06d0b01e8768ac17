import { spawn } from "node:child_process";
import { constants } from "node:os";
import { OmnipkgError } from "../core/errors.ts";
import type { Target } from "./interpreters.ts";
import { pythonArgs, type RunRequest } from "./launch.ts";

/**
 * `omnipkg run`: one child with inherited stdio. Its exit status becomes ours: the code as is, and
 * a signal death is re-raised on ourselves so a shell sees the same thing it would have seen from
 * python directly. SIGINT from the terminal already reaches the child (same process group), so we
 * only ignore it; other termination signals sent to us are forwarded.
 */

const FORWARDED: NodeJS.Signals[] = ["SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

export interface RunOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export async function runOnce(target: Target, request: RunRequest): Promise<RunOutcome> {
  const child = spawn(target.python, pythonArgs(request), { stdio: "inherit" });
  const handlers = new Map<NodeJS.Signals, () => void>();
  const ignoreInt = (): void => {};
  process.on("SIGINT", ignoreInt);
  for (const signal of FORWARDED) {
    const handler = (): void => void child.kill(signal);
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  try {
    return await new Promise<RunOutcome>((resolve, reject) => {
      child.once("error", (error) =>
        reject(
          new OmnipkgError("RUN_FAILED", `Could not start ${target.python}: ${error.message}.`, {
            hint: "Check the interpreter with `omnipkg python list`.",
          }),
        ),
      );
      child.once("exit", (exitCode, signal) => resolve({ exitCode, signal }));
    });
  } finally {
    process.off("SIGINT", ignoreInt);
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

/** Pass a child's fate on: set the exit code, or die of the same signal. */
export function adoptOutcome(outcome: RunOutcome): void {
  if (outcome.signal) {
    process.kill(process.pid, outcome.signal);
    // Only reached if the signal is caught or ignored here: use the shell convention.
    process.exitCode = 128 + (constants.signals[outcome.signal] ?? 0);
    return;
  }
  process.exitCode = outcome.exitCode ?? 1;
}
