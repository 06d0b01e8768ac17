import type { Command } from "commander";

/** `omnipkg python adopt|switch|which|remove|rescan|list`: managing the interpreters of the home. */

const progress = (message: string): void => void process.stderr.write(message + "\n");

/** A corrupt config fails the command before the knowledge base is even opened. */
async function assertConfigReadable(layout: import("../core/home.ts").HomeLayout): Promise<void> {
  const [{ readConfig }, { mapWriteError }] = await Promise.all([
    import("../core/config.ts"),
    import("../python/homeState.ts"),
  ]);
  try {
    readConfig(layout.configFile);
  } catch (error) {
    throw mapWriteError(layout, error);
  }
}

async function adoptAction(request: string, flags: { json?: boolean }): Promise<void> {
  const [{ homeLayout }, { adoptInterpreter }, { withKnowledgeBase }] = await Promise.all([
    import("../core/home.ts"),
    import("../python/adopt.ts"),
    import("../python/probeCache.ts"),
  ]);
  const layout = homeLayout();
  const result = await withKnowledgeBase(
    layout,
    (kb) => adoptInterpreter(layout, request, { cache: kb, onProgress: progress }),
    { forWrite: true },
  );
  if (flags.json) {
    const { printJson } = await import("../core/output.ts");
    printJson(result);
    return;
  }
  const r = result.record;
  const verb = result.created ? "Adopted" : "Already adopted";
  process.stdout.write(
    `${verb} Python ${r.version} (${r.source}: ${r.path}) as ${r.id}; environment ${r.envDir}\n`,
  );
  if (result.activated) process.stdout.write(`Python ${r.id} is now active.\n`);
}

async function whichAction(version: string | undefined, flags: { json?: boolean }): Promise<void> {
  const [{ homeLayout }, { readConfigEnsuringPython }, { findAdopted, assertUsable }, { readActiveId }] =
    await Promise.all([
      import("../core/home.ts"),
      import("../python/ensureAdopted.ts"),
      import("../python/adopted.ts"),
      import("../python/homeState.ts"),
    ]);
  const layout = homeLayout();
  const config = await readConfigEnsuringPython(layout, progress);
  const request = version ?? readActiveId(layout) ?? config.activePython;
  const { NotAdopted } = await import("../python/errors.ts");
  if (request === undefined) throw new NotAdopted("(active)", Object.keys(config.interpreters));
  const record = findAdopted(config, request);
  assertUsable(record);
  if (flags.json) {
    const { printJson } = await import("../core/output.ts");
    const { envPython } = await import("../python/envPaths.ts");
    printJson({
      id: record.id,
      version: record.version,
      interpreter: record.path,
      env: record.envDir,
      envPython: envPython(record.envDir),
    });
  } else {
    process.stdout.write(record.path + "\n");
  }
}

async function removeAction(version: string): Promise<void> {
  const [{ homeLayout }, { removePython }] = await Promise.all([
    import("../core/home.ts"),
    import("../python/remove.ts"),
  ]);
  const record = await removePython(homeLayout(), version);
  process.stdout.write(
    `Removed Python ${record.id} from omnipkg (the interpreter ${record.path} is untouched).\n`,
  );
}

async function rescanAction(flags: { json?: boolean }): Promise<void> {
  const [{ homeLayout }, { rescanPythons }, { withKnowledgeBase }] = await Promise.all([
    import("../core/home.ts"),
    import("../python/rescan.ts"),
    import("../python/probeCache.ts"),
  ]);
  const layout = homeLayout();
  await assertConfigReadable(layout);
  const result = await withKnowledgeBase(layout, (kb) => rescanPythons(layout, { cache: kb }), {
    forWrite: true,
  });
  if (flags.json) {
    const { printJson } = await import("../core/output.ts");
    printJson({
      found: result.found.map((f) => ({
        version: f.facts.version,
        source: f.candidate.source,
        path: f.candidate.realPath,
      })),
      refreshed: result.refreshed,
      missing: result.missing.map((r) => r.id),
      brokenEnvs: result.brokenEnvs.map((r) => r.id),
      removedOrphans: result.removedOrphans,
    });
    return;
  }
  process.stdout.write(
    `Found ${result.found.length} interpreter(s); refreshed ${result.refreshed.length} managed environment(s).\n`,
  );
  for (const dir of result.removedOrphans) process.stdout.write(`Removed the unregistered folder ${dir}\n`);
  for (const r of result.missing)
    process.stdout.write(`Python ${r.id}: interpreter ${r.path} is gone (omnipkg python remove ${r.id})\n`);
  for (const r of result.brokenEnvs)
    process.stdout.write(`Python ${r.id}: environment broken (omnipkg python adopt ${r.path})\n`);
}

export function register(program: Command): void {
  const python = program
    .command("python")
    .description("adopt, switch, locate and remove Python interpreters");
  python
    .command("adopt")
    .description("adopt an interpreter: a version (3.11 picks the newest 3.11.x) or a path")
    .argument("<version-or-path>", "e.g. 3.11, 3.9.18 or /usr/bin/python3")
    .option("--json", "print the adopted interpreter as JSON")
    .addHelpText("after", "\nExample:\n  omnipkg python adopt 3.9")
    .action(adoptAction);
  python
    .command("switch")
    .description("alias of `omnipkg swap python`")
    .argument("[version]", "adopted version to switch to")
    .option("--from-file", "use the version in .python-version (this folder or a parent)")
    .action(async (version: string | undefined, flags: { fromFile?: boolean }) => {
      const { swapPythonAction } = await import("./swap.ts");
      await swapPythonAction(version, flags);
    });
  python
    .command("which")
    .description("print the interpreter path of an adopted version (default: the active one)")
    .argument("[version]", "adopted version")
    .option("--json", "also print its managed environment, as JSON")
    .action(whichAction);
  python
    .command("remove")
    .description("forget an adopted interpreter and delete its managed environment (never the interpreter)")
    .argument("<version>", "adopted version")
    .action(removeAction);
  python
    .command("rescan")
    .description("discover interpreters again and refresh omnipkg's files in every managed environment")
    .option("--json", "print the result as JSON")
    .action(rescanAction);
  python
    .command("list")
    .description("alias of `omnipkg list python`")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }) => {
      const { listPythonAction } = await import("./list.ts");
      await listPythonAction(flags);
    });
}
