import type { Command } from "commander";

/**
 * `omnipkg cache status|clean`: the index and resolution caches under the home's `cache/` (as
 * `uv cache clean` / `pip cache purge`). They grow with every project and interpreter seen and are
 * never needed for correctness, so they are the user's to clear.
 */

async function statusAction(flags: { json?: boolean }): Promise<void> {
  const [{ homeLayout }, { cacheStatus }, output] = await Promise.all([
    import("../core/home.ts"),
    import("../operations/cacheFolders.ts"),
    import("../core/output.ts"),
  ]);
  const folders = cacheStatus(homeLayout());
  if (flags.json) {
    output.printJson({ folders });
    return;
  }
  const rows = folders.map((f) => [f.name, `${f.files} file(s)`, output.formatBytes(f.bytes), f.path]);
  process.stdout.write(output.formatTable(rows) + "\n");
}

async function cleanAction(flags: { json?: boolean }): Promise<void> {
  const [{ homeLayout }, { cleanCache }, { withLock }, { join }, output] = await Promise.all([
    import("../core/home.ts"),
    import("../operations/cacheFolders.ts"),
    import("../core/lock.ts"),
    import("node:path"),
    import("../core/output.ts"),
  ]);
  const layout = homeLayout();
  const removed = await withLock(join(layout.locksDir, "home.lock"), () => cleanCache(layout), {
    onWait: (pid) => process.stderr.write(`Waiting for another omnipkg (pid ${pid ?? "?"}) to finish...\n`),
  });
  const files = removed.reduce((n, f) => n + f.files, 0);
  const bytes = removed.reduce((n, f) => n + f.bytes, 0);
  if (flags.json) output.printJson({ removedFiles: files, freedBytes: bytes, folders: removed });
  else process.stdout.write(`Removed ${files} cache file(s), freeing ${output.formatBytes(bytes)}.\n`);
}

export function register(program: Command): void {
  const cache = program
    .command("cache")
    .description("the index and resolution caches: status, clean (only speed depends on them)");
  cache
    .command("status")
    .description("files and bytes in each cache folder")
    .option("--json", "machine-readable output")
    .action(statusAction);
  cache
    .command("clean")
    .description("remove every cache entry (the next install re-reads the indexes)")
    .option("--json", "machine-readable output")
    .action(cleanAction);
}
