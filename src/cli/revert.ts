import type { Command } from "commander";
import { addIndexOptions, indexFlagsFrom, type IndexOptionValues } from "../index/cliFlags.ts";

/** `omnipkg revert [--to N]`: return main and the bubbles to the state after a revision. */
interface RevertFlags extends IndexOptionValues {
  to?: string;
  dryRun?: boolean;
  json?: boolean;
  python?: string;
  env?: string;
}

export function register(program: Command): void {
  const revert = program
    .command("revert")
    .description("return the environment (main and bubbles) to the state after an earlier revision")
    .option(
      "--to <revision>",
      "the revision to return to (default: the one before the latest; 0 = before the first)",
    )
    .option("--dry-run", "say what would change, change nothing")
    .option("--python <version>", "act on the managed environment of this adopted interpreter")
    .option("--env <dir>", "act on this existing virtual environment")
    .option("--json", "print a machine-readable report");
  addIndexOptions(revert)
    .addHelpText(
      "after",
      "\nWheels come from the store; only a wheel missing from it is fetched from the index.\n" +
        "A revert is itself a revision, so `omnipkg revert` again undoes it.\n\n" +
        "Examples:\n  omnipkg revert            # undo the last command\n  omnipkg revert --to 3 --dry-run",
    )
    .action(async (flags: RevertFlags) => {
      const [{ revertEnvironment }, { printJson }, { UsageError }] = await Promise.all([
        import("../operations/revert.ts"),
        import("../core/output.ts"),
        import("../core/errors.ts"),
      ]);
      const to = flags.to === undefined ? undefined : Number(flags.to);
      if (to !== undefined && (!/^\d+$/.test(flags.to!) || !Number.isInteger(to)))
        throw new UsageError(`--to takes a revision number, not "${flags.to}".`);
      const report = await revertEnvironment(
        {
          target: {
            ...(flags.python ? { python: flags.python } : {}),
            ...(flags.env ? { env: flags.env } : {}),
          },
          ...(to === undefined ? {} : { to }),
          dryRun: flags.dryRun ?? false,
          indexFlags: indexFlagsFrom(flags),
          command: ["omnipkg", "revert", ...process.argv.slice(3)].join(" "),
        },
        {
          info: (m) => process.stderr.write(`${m}\n`),
          warn: (m) => process.stderr.write(`warning: ${m}\n`),
          onLockWait: (pid) =>
            process.stderr.write(
              `Waiting for another omnipkg process${pid ? ` (pid ${pid})` : ""} using this environment...\n`,
            ),
        },
      );
      if (flags.json) {
        printJson(report);
        return;
      }
      const lines: string[] = [];
      for (const p of report.installed)
        lines.push(
          p.fromVersion ? `~ ${p.name} ${p.fromVersion} -> ${p.version}` : `+ ${p.name} ${p.version}`,
        );
      for (const p of report.removed) lines.push(`- ${p.name} ${p.version}`);
      for (const b of report.bubblesCreated) lines.push(`+ bubble ${b.name} ${b.version}`);
      for (const b of report.bubblesRemoved) lines.push(`- bubble ${b.name} ${b.version}`);
      const verb = report.dryRun ? "Would revert" : "Reverted";
      const head =
        lines.length === 0
          ? `${report.environment} already matches revision ${report.to}; nothing to change.`
          : `${verb} ${report.environment} to revision ${report.to}` +
            (report.revision ? ` (recorded as revision ${report.revision}):` : ":");
      process.stdout.write([head, ...lines.map((l) => `  ${l}`)].join("\n") + "\n");
    });
}
