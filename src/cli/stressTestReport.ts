import { formatBytes, formatTable, paint, printJson } from "../core/output.ts";
import type { StressReport, StressResult } from "../operations/stressTest.ts";

/** The stress-test table: one row per interpreter × package × version, rounds folded together. */

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function ms(value: number | undefined): string {
  return value === undefined ? "-" : value < 10 ? value.toFixed(2) : value.toFixed(1);
}

export function printStressReport(report: StressReport, json: boolean): void {
  if (json) {
    printJson(report);
    return;
  }
  const out = (line: string) => process.stdout.write(line + "\n");
  const groups = new Map<string, StressResult[]>();
  for (const r of report.results) {
    const key = `${r.python}\n${r.package}\n${r.version}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows = [["python", "package", "version", "from", "activate ms", "import ms", "rounds", "ok"]];
  const failures: StressResult[] = [];
  for (const results of groups.values()) {
    const first = results[0]!;
    const ok = results.every((r) => r.ok);
    if (!ok) failures.push(...results.filter((r) => !r.ok));
    const sub = results.some((r) => r.mode === "subprocess");
    rows.push([
      first.python,
      first.package,
      first.version,
      `${first.location ?? "?"}${sub ? " (own process)" : ""}`,
      ms(median(results.flatMap((r) => (r.activateMs === null ? [] : [r.activateMs])))),
      ms(median(results.flatMap((r) => (r.importMs === null ? [] : [r.importMs])))),
      String(results.length),
      ok ? paint("green", "ok") : paint("red", "FAILED"),
    ]);
  }
  if (rows.length > 1) out(formatTable(rows));
  for (const f of failures)
    out(
      `${paint("red", "failed")}: Python ${f.python} ${f.package}==${f.version} (round ${f.round}): ${f.detail}`,
    );
  for (const i of report.interpreters)
    if (!i.mainRestored)
      out(`${paint("red", "failed")}: Python ${i.version}: main's versions were not back after the blocks`);
  const ownProcess = [
    ...new Set(
      report.results
        .filter((r) => r.mode === "subprocess")
        .map((r) => `${r.package}==${r.version} (Python ${r.python})`),
    ),
  ];
  if (ownProcess.length)
    out(
      `\nCompiled extensions cannot be unloaded, so these were checked in a process of their own after the loader refused them in-process (ExtensionConflict, by design): ${ownProcess.join(", ")}.`,
    );
  for (const s of report.skipped) {
    const what = s.package ? `${s.package}${s.version ? `==${s.version}` : ""}` : "everything";
    out(`skipped: Python ${s.python} ${what}: ${s.reason}`);
  }
  const d = report.dedup;
  out(
    `\nDedup: ${formatBytes(d.logicalBytes)} of files in main and bubbles take ${formatBytes(d.diskBytes)} on disk (${formatBytes(d.savedBytes)} saved); ` +
      `the store holds ${formatBytes(d.store.uniqueBytes)} for ${formatBytes(d.store.referencedBytes)} of wheel contents (${d.store.ratio.toFixed(2)}×).`,
  );
  const checks = report.results.length;
  const failed = report.results.filter((r) => !r.ok).length;
  out(
    report.ok
      ? paint("green", `All ${checks} checks passed (index strategy ${report.indexStrategy}).`)
      : paint("red", checks === 0 ? "No check could run." : `${failed} of ${checks} checks failed.`),
  );
}
