import type { Command } from "commander";

/** `omnipkg history`: the numbered revisions of an environment, newest first. */
export function register(program: Command): void {
  program
    .command("history")
    .description("list the numbered revisions of an environment (what each command changed)")
    .option("--python <version>", "act on the managed environment of this adopted interpreter")
    .option("--env <dir>", "act on this existing virtual environment")
    .option("-n, --limit <count>", "show only the newest COUNT revisions")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  omnipkg history\n  omnipkg history --env .venv --json")
    .action(async (flags: { python?: string; env?: string; limit?: string; json?: boolean }) => {
      const [{ readHistory, describeRevision }, { printJson, paint }, { UsageError }] = await Promise.all([
        import("../operations/history.ts"),
        import("../core/output.ts"),
        import("../core/errors.ts"),
      ]);
      const limit = flags.limit === undefined ? undefined : Number(flags.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
        throw new UsageError(`--limit takes a positive whole number, not "${flags.limit}".`);
      const report = await readHistory(
        {
          ...(flags.python ? { python: flags.python } : {}),
          ...(flags.env ? { env: flags.env } : {}),
        },
        limit === undefined ? {} : { limit },
      );
      if (flags.json) {
        printJson(report);
        return;
      }
      if (report.revisions.length === 0) {
        process.stdout.write(`No revisions recorded for ${report.environment} yet.\n`);
        return;
      }
      const out: string[] = [`History of ${report.environment}:`];
      for (const r of report.revisions) {
        const when = new Date(r.timeMs)
          .toISOString()
          .replace("T", " ")
          .replace(/\.\d+Z$/, "Z");
        out.push(`${paint("bold", `#${r.number}`)}  ${when}  ${r.command}`);
        const lines = describeRevision(r);
        for (const line of lines.length > 0 ? lines : ["(no package changes)"]) out.push(`    ${line}`);
      }
      process.stdout.write(out.join("\n") + "\n");
    });
}
