import type { Command } from "commander";

/** `omnipkg list` (packages, through src/cli/packages.ts) and `omnipkg list python [--json]`. */

export async function listPythonAction(flags: { json?: boolean }): Promise<void> {
  const [
    { homeLayout },
    { readConfigEnsuringPython },
    { findInterpreters },
    { withKnowledgeBase },
    { buildPythonRows },
  ] = await Promise.all([
    import("../core/home.ts"),
    import("../python/ensureAdopted.ts"),
    import("../python/findInterpreters.ts"),
    import("../python/probeCache.ts"),
    import("../python/listPythons.ts"),
  ]);
  const layout = homeLayout();
  const config = await readConfigEnsuringPython(layout);
  const found = await withKnowledgeBase(layout, (kb) =>
    findInterpreters({ homeRoot: layout.root, cache: kb }),
  );
  const rows = buildPythonRows(layout, config, found);
  const { printJson, formatTable, paint } = await import("../core/output.ts");
  if (flags.json) {
    printJson(rows);
    return;
  }
  const table = [["", "VERSION", "IMPL", "SOURCE", "INTERPRETER", "ENVIRONMENT"]];
  for (const r of rows) {
    table.push([
      r.active ? "*" : "",
      r.id,
      r.implementation,
      r.source,
      r.present ? r.interpreter : `${r.interpreter} (missing)`,
      r.env ?? "-",
    ]);
  }
  const lines = formatTable(table).split("\n");
  process.stdout.write(
    lines.map((line, i) => (i > 0 && rows[i - 1]!.active ? paint("green", line) : line)).join("\n") + "\n",
  );
}

export function register(program: Command): void {
  program
    .command("list")
    .description("list packages of the environment (main and bubbles), or `list python` for interpreters")
    .argument("[what]", '"python" to list interpreters')
    .option("--python <version>", "packages: act on the managed environment of this adopted interpreter")
    .option("--env <dir>", "packages: act on this existing virtual environment")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  omnipkg list\n  omnipkg list --json\n  omnipkg list python --json")
    .action(async (what: string | undefined, flags: { json?: boolean; python?: string; env?: string }) => {
      if (what === "python") return listPythonAction(flags);
      if (what !== undefined) {
        const { UsageError } = await import("../core/errors.ts");
        throw new UsageError(
          `Unknown listing "${what}"; use \`omnipkg list\` for packages or \`omnipkg list python\`.`,
        );
      }
      const { listPackagesAction } = await import("./packages.ts");
      return listPackagesAction(flags);
    });
}
