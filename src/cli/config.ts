import type { Command } from "commander";
import { addIndexOptions, type IndexOptionValues } from "../index/cliFlags.ts";

/** `omnipkg config show [--json]`: effective settings and where each came from. */

async function showAction(options: IndexOptionValues & { json?: boolean }): Promise<void> {
  const [{ loadIndexSettings }, { describeSettings }, { indexFlagsFrom }, output, home] = await Promise.all([
    import("../index/settings.ts"),
    import("../index/describeSettings.ts"),
    import("../index/cliFlags.ts"),
    import("../core/output.ts"),
    import("../core/home.ts"),
  ]);
  const settings = loadIndexSettings({ flags: indexFlagsFrom(options) });
  const described = describeSettings(settings);
  const homeRoot = home.resolveHomeRoot();
  const homeSource = process.env.OMNIPKG_HOME
    ? "OMNIPKG_HOME"
    : process.env.XDG_DATA_HOME
      ? "XDG_DATA_HOME"
      : "default";
  const rows = [{ key: "home", value: homeRoot, source: homeSource }, ...described.settings];
  if (options.json) {
    output.printJson({ settings: rows, indexOrder: described.indexOrder });
    return;
  }
  const show = (value: unknown): string =>
    Array.isArray(value)
      ? value.length
        ? value.join(" ")
        : "(none)"
      : value === null
        ? "(none)"
        : String(value);
  const table = [["SETTING", "VALUE", "SOURCE"], ...rows.map((r) => [r.key, show(r.value), r.source])];
  const order = described.indexOrder.length
    ? described.indexOrder.map((url, i) => `  ${i + 1}. ${url}`).join("\n")
    : "  (none: --no-index)";
  process.stdout.write(
    `${output.formatTable(table)}\n\n${output.paint("bold", "Indexes, in the order they are asked")} (the first that has a project supplies it; find-links are always added):\n${order}\n`,
  );
}

export function register(program: Command): void {
  const config = program.command("config").description("show omnipkg's effective configuration");
  addIndexOptions(
    config
      .command("show")
      .description("print effective index settings and where each came from (pip.conf, env, flags)")
      .option("--json", "print JSON"),
  )
    .addHelpText(
      "after",
      "\nSources, later winning: pip.conf files, UV_INDEX_URL/UV_DEFAULT_INDEX/UV_EXTRA_INDEX_URL,\n" +
        "PIP_INDEX_URL/PIP_EXTRA_INDEX_URL/PIP_FIND_LINKS/PIP_NO_INDEX, OMNIPKG_INDEX_URL, flags.\n\n" +
        "Example:\n  omnipkg config show --json",
    )
    .action(showAction);
}
