/**
 * Ctrl-C during a long command (downloads, builds): every write omnipkg makes is atomic, so an
 * interrupted command leaves each file and environment as before or as after. What remains is
 * scratch: partial downloads and store temp files of this process. Commands that create such
 * scratch register a synchronous cleanup; the first SIGINT/SIGTERM runs them, says so, and exits
 * with the conventional 128 + signal number. Installed only by commands that need it (`run`
 * forwards signals to its child instead).
 */
const cleanups = new Set<() => void>();
let installed = false;

export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

export function installInterruptHandler(): void {
  if (installed) return;
  installed = true;
  const handle = (signal: NodeJS.Signals, code: number) => {
    for (const cleanup of cleanups) {
      try {
        cleanup();
      } catch {
        // best effort: the next command's recovery and `store gc` tidy what is left
      }
    }
    process.stderr.write(
      `\nInterrupted (${signal}): the environment is unchanged or complete; partial downloads were removed.\n`,
    );
    process.exit(code);
  };
  process.once("SIGINT", () => handle("SIGINT", 130));
  process.once("SIGTERM", () => handle("SIGTERM", 143));
}
