import type { Command } from "commander";
import { addIndexOptions, type IndexOptionValues } from "../index/cliFlags.ts";

/** `omnipkg index versions <name>`: what an index offers the active (or a chosen) interpreter. */

interface VersionsOptions extends IndexOptionValues {
  json?: boolean;
  python?: string;
}

async function interpreterFacts(request: string | undefined) {
  const [{ homeLayout }, python, { readConfig }] = await Promise.all([
    import("../core/home.ts"),
    import("../python/index.ts"),
    import("../core/config.ts"),
  ]);
  const layout = homeLayout();
  if (request !== undefined) {
    const { existsSync } = await import("node:fs");
    const config = readConfig(layout.configFile);
    // An explicit interpreter path need not be adopted: looking at an index changes nothing.
    if (request.includes("/") && existsSync(request)) return python.probeInterpreter(request);
    return python.probeInterpreter(python.findAdopted(config, request).path);
  }
  const config = await python.readConfigEnsuringPython(layout);
  const activeId = config.activePython ?? Object.keys(config.interpreters)[0];
  const record = activeId === undefined ? undefined : config.interpreters[activeId];
  if (!record) {
    const { OmnipkgError } = await import("../core/errors.ts");
    throw new OmnipkgError("NO_ACTIVE_PYTHON", "No interpreter is active.", {
      hint: "Adopt one with `omnipkg python adopt`, or pass --python VERSION.",
    });
  }
  return python.probeInterpreter(record.path);
}

async function versionsAction(name: string, options: VersionsOptions): Promise<void> {
  const [index, { listProjectVersions }, { indexFlagsFrom }, output] = await Promise.all([
    import("../index/index.ts"),
    import("../index/listVersions.ts"),
    import("../index/cliFlags.ts"),
    import("../core/output.ts"),
  ]);
  const settings = index.loadIndexSettings({ flags: indexFlagsFrom(options) });
  const [facts, client] = [
    await interpreterFacts(options.python),
    index.createIndexClient(settings, {
      onWarning: (m) => process.stderr.write(`${output.paint("yellow", "warning", process.stderr)}: ${m}\n`),
    }),
  ];
  try {
    const page = await client.getProject(name);
    const listing = listProjectVersions(page, facts);
    if (options.json) {
      output.printJson(listing);
      return;
    }
    const rows = [["VERSION", "STATUS", "FILES", "UPLOADED"]];
    for (const v of listing.versions) {
      const status = v.yanked
        ? `yanked${typeof v.yanked === "string" ? `: ${v.yanked}` : ""}`
        : v.compatible
          ? v.notes.length
            ? `ok (${v.notes.join(", ")})`
            : "ok"
          : v.notes.join(", ") || "not installable";
      const files = [
        v.wheels ? `${v.wheels} wheel${v.wheels > 1 ? "s" : ""}` : "",
        v.sdists ? `${v.sdists} sdist${v.sdists > 1 ? "s" : ""}` : "",
      ]
        .filter(Boolean)
        .join(", ");
      const line = [v.version, status, files || "-", v.uploadTime?.slice(0, 10) ?? ""];
      const style = v.yanked ? "yellow" : v.compatible ? "green" : "dim";
      rows.push(line.map((cell, i) => (i === 1 ? output.paint(style, cell) : cell)));
    }
    const py = listing.python;
    process.stdout.write(
      `${listing.project} from ${listing.index}, for ${py.implementation} ${py.version} (${py.bestTag ?? "no tags"})\n` +
        `${output.formatTable(rows)}\n`,
    );
    if (listing.skippedFiles.length) {
      process.stdout.write(`skipped ${listing.skippedFiles.length} file(s) with invalid names\n`);
    }
  } finally {
    await client.close();
  }
}

export function register(program: Command): void {
  const index = program.command("index").description("look at package indexes");
  addIndexOptions(
    index
      .command("versions")
      .description("list the versions of a project an index offers, marking yanked and unusable ones")
      .argument("<name>", "project name")
      .option("--python <version|path>", "interpreter to judge compatibility for (default: the active one)")
      .option("--json", "print JSON"),
  )
    .addHelpText("after", "\nExample:\n  omnipkg index versions requests --python 3.11 --json")
    .action(versionsAction);
}
