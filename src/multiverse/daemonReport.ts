import { readConfig } from "../core/config.ts";
import { UsageError } from "../core/errors.ts";
import { homeLayout } from "../core/home.ts";
import { formatBytes, formatDuration, formatTable, printJson } from "../core/output.ts";
import { daemonStatus, startDaemon, stopDaemon } from "./daemonClient.ts";
import { serveDaemon } from "./daemonServer.ts";
import { readDaemonSettings, type DaemonSettings } from "./settings.ts";

/** Engines and reporters of `omnipkg daemon …` (src/cli/daemon.ts only declares the flags). */

interface TuningFlags {
  idleTimeoutMs?: string;
  callTimeoutMs?: string;
  workersPerKey?: string;
}

function parseCount(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} must be a whole number ≥ ${min}, not "${value}".`);
  return n;
}

function tuningArgs(flags: TuningFlags): string[] {
  const args: string[] = [];
  const pairs: [string, string | undefined, number][] = [
    ["--idle-timeout-ms", flags.idleTimeoutMs, 1],
    ["--call-timeout-ms", flags.callTimeoutMs, 0],
    ["--workers-per-key", flags.workersPerKey, 1],
  ];
  for (const [flag, value, min] of pairs) {
    if (parseCount(flag, value, min) !== undefined) args.push(flag, value!);
  }
  return args;
}

export async function startCommand(flags: TuningFlags & { json?: boolean }): Promise<void> {
  const home = homeLayout().root;
  const result = await startDaemon(home, { serveArgs: tuningArgs(flags) });
  if (flags.json) return printJson(result);
  process.stdout.write(
    result.alreadyRunning
      ? `The daemon is already running (pid ${result.pid}).\n`
      : `Started the daemon (pid ${result.pid}) on ${result.socket}; log: ${result.logFile}\n`,
  );
}

export async function stopCommand(flags: { json?: boolean }): Promise<void> {
  const result = await stopDaemon(homeLayout().root);
  if (flags.json) return printJson(result);
  process.stdout.write(
    result.wasRunning ? `Stopped the daemon (pid ${result.pid}).\n` : "The daemon was not running.\n",
  );
}

export async function statusCommand(flags: { json?: boolean }): Promise<void> {
  const status = await daemonStatus(homeLayout().root);
  if (flags.json) return printJson(status ? { running: true, ...status } : { running: false });
  if (!status) {
    process.stdout.write("The daemon is not running (start it with `omnipkg daemon start`).\n");
    return;
  }
  const up = formatDuration(Date.now() - Date.parse(status.startedAt));
  process.stdout.write(`daemon pid ${status.pid}, up ${up}, socket ${status.socket}\n`);
  if (!status.workers.length) {
    process.stdout.write("No workers (they start on the first call).\n");
    return;
  }
  const rows = [["PYTHON", "BUBBLES", "PID", "STATE", "RSS", "CALLS", "IDLE"]];
  for (const w of status.workers) {
    rows.push([
      w.python,
      w.bubbles.join(" ") || "-",
      String(w.pid ?? "-"),
      w.state,
      w.rssBytes === undefined || w.rssBytes === null ? "-" : formatBytes(w.rssBytes),
      String(w.callsServed),
      w.state === "idle" ? formatDuration(w.idleMs) : "-",
    ]);
  }
  process.stdout.write(formatTable(rows) + "\n");
}

export async function serveCommand(flags: TuningFlags): Promise<void> {
  const home = homeLayout();
  const base: DaemonSettings = readDaemonSettings(readConfig(home.configFile));
  const settings: DaemonSettings = {
    idleTimeoutMs: parseCount("--idle-timeout-ms", flags.idleTimeoutMs, 1) ?? base.idleTimeoutMs,
    callTimeoutMs: parseCount("--call-timeout-ms", flags.callTimeoutMs, 0) ?? base.callTimeoutMs,
    workersPerKey: parseCount("--workers-per-key", flags.workersPerKey, 1) ?? base.workersPerKey,
  };
  await serveDaemon(home.root, settings);
  // Served and stopped: nothing may keep a daemon process alive after its socket is gone.
  process.exit(0);
}
