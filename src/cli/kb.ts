import type { Command } from "commander";

/**
 * `omnipkg kb status` and `omnipkg kb migrate --to <url>`. Only flags and reporting live here; the
 * engines are in src/kb and load lazily, so other commands never pay for SQLite or ioredis.
 */

const KIND_LABELS: Record<string, string> = {
  probes: "interpreter probes",
  interpreters: "interpreters",
  environments: "environments",
  distributions: "distributions",
  files: "installed files",
  revisions: "revisions",
  storeRefs: "store references",
  compat: "compatibility results",
  projects: "projects (metadata)",
  metadataBlobs: "metadata files",
};

async function statusAction(flags: { json?: boolean }): Promise<void> {
  const [{ homeLayout }, { readKbStatus }, { printJson, formatTable }] = await Promise.all([
    import("../core/home.ts"),
    import("../kb/kbStatus.ts"),
    import("../core/output.ts"),
  ]);
  const status = await readKbStatus(homeLayout());
  if (flags.json) {
    printJson(status);
    return;
  }
  const lines = [`backend:   ${status.backend}`, `location:  ${status.location}`];
  if (status.homeId) lines.push(`home id:   ${status.homeId}`);
  const rows = [
    ["KIND", "COUNT"],
    ...Object.entries(status.counts).map(([k, n]) => [KIND_LABELS[k] ?? k, String(n)]),
  ];
  process.stdout.write(lines.join("\n") + "\n\n" + formatTable(rows) + "\n");
}

async function migrateAction(flags: { to: string; json?: boolean }): Promise<void> {
  const [{ homeLayout }, { migrateKb }, { printJson, formatTable, paint }] = await Promise.all([
    import("../core/home.ts"),
    import("../kb/migrateKb.ts"),
    import("../core/output.ts"),
  ]);
  const report = await migrateKb(homeLayout(), { to: flags.to });
  if (flags.json) {
    printJson(report);
    return;
  }
  const rows = [["KIND", "SOURCE", "TARGET", ""]];
  for (const r of report.rows) {
    const note = r.shared && r.target > r.source ? "ok (shared: includes other homes')" : "ok";
    rows.push([KIND_LABELS[r.kind] ?? r.kind, String(r.source), String(r.target), note]);
  }
  process.stdout.write(
    `Copied the knowledge base from ${report.from.location} (${report.from.backend}) ` +
      `to ${report.to.location} (${report.to.backend}).\n\n${formatTable(rows)}\n\n` +
      `${paint("cyan", "next")}: to use it, set OMNIPKG_KB (or kb.url in config.toml's settings) to ` +
      `${report.to.backend === "sqlite" ? "sqlite" : "that URL"}.\n`,
  );
}

export function register(program: Command): void {
  const kb = program
    .command("kb")
    .description("knowledge base: status, and migrate between SQLite and a shared Redis");
  kb.command("status")
    .description("show the knowledge base backend, its location and how many records it holds")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  omnipkg kb status --json")
    .action((flags: { json?: boolean }) => statusAction(flags));
  kb.command("migrate")
    .description("copy everything to another backend and verify the counts")
    .requiredOption("--to <url>", "redis://host:port/db, rediss://..., or sqlite")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nThe source is the configured knowledge base (OMNIPKG_KB, else kb.url in config.toml, else SQLite).\n" +
        "Examples:\n  omnipkg kb migrate --to redis://127.0.0.1:6379/0\n  OMNIPKG_KB=redis://ci-cache:6379/2 omnipkg kb migrate --to sqlite",
    )
    .action((flags: { to: string; json?: boolean }) => migrateAction(flags));
}
