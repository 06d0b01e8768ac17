import type { Command } from "commander";

/** `omnipkg rebuild-kb`: rebuild the knowledge base from the environments on disk, keeping history. */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  program
    .command("rebuild-kb")
    .description(
      "rebuild the knowledge base from what is on disk (dist-info, RECORD, bubbles), keeping history",
    )
    .option("--env <dir>", "also adopt this virtual environment (repeatable)", collect)
    .option("--json", "print a machine-readable report")
    .addHelpText(
      "after",
      "\nManaged environments and every environment the knowledge base knew are always included.\n" +
        "A damaged knowledge base file is moved aside as kb.sqlite.corrupt-<time>, never deleted.\n\n" +
        "Examples:\n  omnipkg rebuild-kb\n  omnipkg rebuild-kb --env .venv",
    )
    .action(async (flags: { env?: string[]; json?: boolean }) => {
      const [{ rebuildKnowledgeBase }, { printJson }] = await Promise.all([
        import("../operations/rebuildKb.ts"),
        import("../core/output.ts"),
      ]);
      const report = await rebuildKnowledgeBase({ envs: flags.env ?? [] });
      if (flags.json) {
        printJson(report);
        return;
      }
      const lines: string[] = [];
      if (report.movedAside) {
        lines.push(`The damaged knowledge base was moved to ${report.movedAside}.`);
        lines.push(
          `Salvaged from it: ${report.salvaged?.revisions ?? 0} revisions, ${report.salvaged?.interpreters ?? 0} interpreters.`,
        );
      }
      lines.push(`Rebuilt the knowledge base (${report.backend}, ${report.location}):`);
      for (const e of report.environments)
        lines.push(`  ${e.path}: ${e.distributions} distributions, ${e.bubbles} bubbles`);
      if (report.environments.length === 0) lines.push("  (no environments on disk)");
      lines.push(`History kept: ${report.revisionsKept} revisions.`);
      process.stdout.write(lines.join("\n") + "\n");
    });
}
