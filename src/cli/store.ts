import type { Command } from "commander";

/**
 * `omnipkg store status|gc|verify`: the content-addressed store under the home's `store/`. Flags and
 * reporting only; the engines (src/store, src/install) load inside the actions.
 */

async function statusAction(flags: { json?: boolean }): Promise<void> {
  const [{ homeLayout }, { createStore }, { printJson, formatTable, formatBytes }] = await Promise.all([
    import("../core/home.ts"),
    import("../store/index.ts"),
    import("../core/output.ts"),
  ]);
  const layout = homeLayout();
  const status = createStore(layout.storeDir).status();
  if (flags.json) {
    printJson({ store: layout.storeDir, ...status });
    return;
  }
  const rows = [
    ["store", layout.storeDir],
    ["wheels", String(status.wheels)],
    ["files", String(status.files)],
    ["unique bytes", formatBytes(status.uniqueBytes)],
    ["without dedup", formatBytes(status.referencedBytes)],
    ["ratio", `${status.ratio.toFixed(2)}x`],
  ];
  process.stdout.write(formatTable(rows) + "\n");
}

async function gcAction(flags: { json?: boolean }): Promise<void> {
  const [{ homeLayout }, { createStore }, { findLiveWheels }, { withLock }, { join }, output] =
    await Promise.all([
      import("../core/home.ts"),
      import("../store/index.ts"),
      import("../install/index.ts"),
      import("../core/lock.ts"),
      import("node:path"),
      import("../core/output.ts"),
    ]);
  const layout = homeLayout();
  const result = await withLock(
    join(layout.locksDir, "home.lock"),
    () => createStore(layout.storeDir).gc(findLiveWheels(layout.envsDir)),
    {
      onWait: (pid) => process.stderr.write(`Waiting for another omnipkg (pid ${pid ?? "?"}) to finish...\n`),
    },
  );
  if (flags.json) {
    output.printJson(result);
    return;
  }
  process.stdout.write(
    `Removed ${result.removedWheels} unused wheel(s) and ${result.removedFiles} file(s), freeing ${output.formatBytes(result.freedBytes)}.\n`,
  );
}

async function verifyAction(flags: { json?: boolean }): Promise<void> {
  const [{ homeLayout }, { createStore }, output] = await Promise.all([
    import("../core/home.ts"),
    import("../store/index.ts"),
    import("../core/output.ts"),
  ]);
  const result = await createStore(homeLayout().storeDir).verify();
  if (flags.json) output.printJson(result);
  else if (result.corrupted.length === 0) {
    process.stdout.write(
      `Verified ${result.checkedFiles} file(s) and ${result.checkedWheels} wheel manifest(s): all intact.\n`,
    );
  } else {
    for (const entry of result.corrupted) {
      process.stdout.write(
        `${output.paint("red", "corrupt")} ${entry.kind} ${entry.path}: ${entry.detail}\n`,
      );
    }
    process.stdout.write(
      `${result.corrupted.length} of ${result.checkedFiles + result.checkedWheels} entries are damaged.\n` +
        `${output.paint("cyan", "hint")}: run \`omnipkg store gc\`, then reinstall the affected packages with --reinstall.\n`,
    );
  }
  if (result.corrupted.length > 0) process.exitCode = 1;
}

export function register(program: Command): void {
  const store = program
    .command("store")
    .description("the content-addressed file store: status, garbage collection, integrity check");
  store
    .command("status")
    .description("files, unique bytes, bytes the same wheels would take without dedup, and the ratio")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  omnipkg store status --json")
    .action((flags: { json?: boolean }) => statusAction(flags));
  store
    .command("gc")
    .description("remove wheels and files that no environment or bubble of this home uses")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  omnipkg store gc")
    .action((flags: { json?: boolean }) => gcAction(flags));
  store
    .command("verify")
    .description("re-hash every stored file and report damaged entries (exit 1 if any)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  omnipkg store verify --json")
    .action((flags: { json?: boolean }) => verifyAction(flags));
}
