import { InvalidArgumentError, type Command } from "commander";

/** `omnipkg prune NAME --keep N`: keep the newest N bubbles of a project, remove the rest. */

interface PruneFlags {
  keep: number;
  python?: string;
  env?: string;
  dryRun?: boolean;
  json?: boolean;
}

function count(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`"${value}" is not a non-negative whole number.`);
  return n;
}

async function pruneAction(name: string, flags: PruneFlags): Promise<void> {
  const [{ pruneBubbles }, output] = await Promise.all([
    import("../operations/prune.ts"),
    import("../core/output.ts"),
  ]);
  const report = await pruneBubbles({
    name,
    keep: flags.keep,
    target: {
      ...(flags.python ? { python: flags.python } : {}),
      ...(flags.env ? { env: flags.env } : {}),
    },
    dryRun: flags.dryRun ?? false,
    command: ["omnipkg", ...process.argv.slice(2)].join(" "),
  });
  if (flags.json) {
    output.printJson(report);
    return;
  }
  const { paint, formatDuration } = output;
  const err = (line: string) => process.stderr.write(line + "\n");
  const out = (line: string) => process.stdout.write(line + "\n");
  const total = report.kept.length + report.removed.length;
  if (total === 0) {
    err(`${report.name} has no bubbles in ${report.environment}: nothing to prune`);
    return;
  }
  if (report.removed.length === 0) {
    err(`${report.name} has ${total} bubble${total === 1 ? "" : "s"}, all kept (--keep ${flags.keep})`);
  } else if (report.dryRun) {
    err(`Would remove ${report.removed.length} of ${total} bubbles of ${report.name}`);
  } else {
    err(
      `Removed ${report.removed.length} of ${total} bubbles of ${report.name} in ${formatDuration(report.ms)}`,
    );
  }
  for (const b of report.kept) out(`   ${b.name}==${b.version} (kept)`);
  for (const b of report.removed)
    out(` ${paint("red", "-")} ${b.name}==${b.version}${report.dryRun ? " (would remove)" : ""} ${b.path}`);
  if (report.mainVersion) out(`   main keeps ${report.name}==${report.mainVersion}`);
}

export function register(program: Command): void {
  program
    .command("prune")
    .description("keep the newest N bubbles of a package and remove the others")
    .argument("<name>", "the package whose bubbles to prune")
    .requiredOption("--keep <n>", "how many of the newest bubbles to keep", count)
    .option("--python <version>", "act on the managed environment of this adopted interpreter")
    .option("--env <dir>", "act on this existing virtual environment")
    .option("--dry-run", "say what would be removed, change nothing")
    .option("--json", "print a machine-readable report")
    .addHelpText(
      "after",
      "\nExamples:\n  omnipkg prune rich --keep 2\n  omnipkg prune numpy --keep 0 --dry-run",
    )
    .action(pruneAction);
}
