import { formatDuration, paint, printJson } from "../core/output.ts";
import type { InstallReport } from "../operations/install.ts";
import type { UninstallReport } from "../operations/uninstall.ts";

/** uv-style summaries: counts with timings, then one `+`/`-` line per distribution. */

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function printInstallReport(report: InstallReport, json: boolean): void {
  if (json) {
    printJson(report);
    return;
  }
  const err = (line: string) => process.stderr.write(line + "\n");
  const out = (line: string) => process.stdout.write(line + "\n");
  err(
    paint(
      "dim",
      `Resolved ${plural(report.resolved.length, "package")} in ${formatDuration(report.timings.resolveMs)}`,
      process.stderr,
    ),
  );
  if (report.dryRun) {
    if (report.installed.length === 0 && report.bubbles.length === 0) out("Would make no changes");
    for (const p of report.installed) out(` + ${p.name}==${p.version} (would install)`);
    for (const p of report.removed) out(` - ${p.name}==${p.version} (would remove)`);
    for (const b of report.bubbles) out(` ~ ${b.name}==${b.version} (would go into bubble ${b.path})`);
    return;
  }
  if (report.downloads > 0) {
    err(
      paint(
        "dim",
        `Prepared ${plural(report.downloads, "package")} in ${formatDuration(report.timings.prepareMs)}`,
        process.stderr,
      ),
    );
  }
  const changes = report.installed.length;
  const newBubbles = report.bubbles.filter((b) => !b.existed);
  if (changes === 0 && newBubbles.length === 0) {
    err("Audited: nothing to change");
  } else {
    err(
      `Installed ${plural(changes, "package")}${newBubbles.length ? ` and ${plural(newBubbles.length, "bubble")}` : ""} in ${formatDuration(report.timings.installMs)}`,
    );
  }
  for (const p of report.removed) out(` ${paint("red", "-")} ${p.name}==${p.version}`);
  for (const p of report.installed) out(` ${paint("green", "+")} ${p.name}==${p.version}`);
  for (const b of report.bubbles) {
    const what = b.dists.map((d) => `${d.name}==${d.version}`).join(", ");
    out(
      ` ${paint("cyan", "~")} ${b.name}==${b.version} ${b.existed ? "already bubbled" : "bubbled"} (${what || "no files"}) → ${b.path}`,
    );
  }
}

export function printUninstallReport(report: UninstallReport, json: boolean): void {
  if (json) {
    printJson(report);
    return;
  }
  const n = report.removed.length + report.bubblesRemoved.length;
  process.stderr.write(`Uninstalled ${plural(n, "package")} in ${formatDuration(report.ms)}\n`);
  for (const p of report.removed) process.stdout.write(` ${paint("red", "-")} ${p.name}==${p.version}\n`);
  for (const b of report.bubblesRemoved)
    process.stdout.write(` ${paint("red", "-")} ${b.name}==${b.version} (bubble ${b.path})\n`);
}
