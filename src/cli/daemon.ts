import type { Command } from "commander";

/** `omnipkg daemon start|stop|status`: the warm worker pool behind `omnipkg.interpreter()`. */

interface TuningFlags {
  idleTimeoutMs?: string;
  callTimeoutMs?: string;
  workersPerKey?: string;
}

function addTuning(command: Command): Command {
  return command
    .option(
      "--idle-timeout-ms <ms>",
      "close a worker idle this long (default: [daemon] idle_timeout_ms or 10 min)",
    )
    .option("--call-timeout-ms <ms>", "kill a worker whose call runs this long, 0 = never (default: 5 min)")
    .option("--workers-per-key <n>", "workers per (interpreter, bubble set) (default: 2)");
}

export function register(program: Command): void {
  const daemon = program
    .command("daemon")
    .description("Manage the warm worker daemon (Unix socket, per user; never TCP)");
  addTuning(daemon.command("start").description("Start the daemon in the background if it is not running"))
    .option("--json", "print the result as JSON")
    .action(async (flags: TuningFlags & { json?: boolean }) => {
      const { startCommand } = await import("../multiverse/daemonReport.ts");
      await startCommand(flags);
    });
  daemon
    .command("stop")
    .description("Stop the daemon; calls still running fail with a clear error")
    .option("--json", "print the result as JSON")
    .action(async (flags: { json?: boolean }) => {
      const { stopCommand } = await import("../multiverse/daemonReport.ts");
      await stopCommand(flags);
    });
  daemon
    .command("status")
    .description("Show the daemon and each worker: pid, memory, calls served, idle time")
    .option("--json", "print the status as JSON")
    .action(async (flags: { json?: boolean }) => {
      const { statusCommand } = await import("../multiverse/daemonReport.ts");
      await statusCommand(flags);
    });
  addTuning(daemon.command("serve", { hidden: true }).description("Run the daemon in the foreground")).action(
    async (flags: TuningFlags) => {
      const { serveCommand } = await import("../multiverse/daemonReport.ts");
      await serveCommand(flags);
    },
  );
}
