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

/**
 * `python adopt --all`: every CPython 3.6+ that discovery finds, one version each (the first source
 * in discovery order wins a tie, as for `adopt X.Y.Z`).
 */
async function adoptAllAction(flags: { json?: boolean }): Promise<void> {
  const [{ homeLayout }, { adoptInterpreter }, { withKnowledgeBase }, { findInterpreters }] =
    await Promise.all([
      import("../core/home.ts"),
      import("../python/adopt.ts"),
      import("../python/probeCache.ts"),
      import("../python/findInterpreters.ts"),
    ]);
  const layout = homeLayout();
  await assertConfigReadable(layout);
  // The user's own python3 first, so that on a new home it is the active one, as on first use.
  const { readConfigEnsuringPython } = await import("../python/ensureAdopted.ts");
  await readConfigEnsuringPython(layout, progress);
  const results = await withKnowledgeBase(
    layout,
    async (kb) => {
      const found = await findInterpreters({ homeRoot: layout.root, cache: kb });
      const seen = new Set<string>();
      const out = [];
      for (const f of found) {
        const [major, minor] = f.facts.version_info;
        if (f.facts.implementation !== "cpython" || major !== 3 || minor < 6 || seen.has(f.facts.version))
          continue;
        seen.add(f.facts.version);
        out.push(await adoptInterpreter(layout, f.candidate.path, { cache: kb, onProgress: progress }));
      }
      return out;
    },
    { forWrite: true },
  );
  if (flags.json) {
    const { printJson } = await import("../core/output.ts");
    printJson(results);
    return;
  }
  for (const result of results) {
    const r = result.record;
    process.stdout.write(
      `${result.created ? "Adopted" : "Already adopted"} Python ${r.version} (${r.source}: ${r.path})\n`,
    );
  }
  process.stdout.write(`${results.length} interpreter${results.length === 1 ? "" : "s"} adopted.\n`);
}

async function adoptAction(
  request: string | undefined,
  flags: { json?: boolean; all?: boolean },
): Promise<void> {
  const { UsageError } = await import("../core/errors.ts");
  if (flags.all) {
    if (request !== undefined) throw new UsageError("Give a version or --all, not both.");
    return adoptAllAction(flags);
  }
  if (request === undefined) {
    throw new UsageError("Name the interpreter to adopt: a version (3.9, 3.9.18), a path, or --all.");
  }
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
    .description("adopt an interpreter: a version (3.11 picks the newest 3.11.x), a path, or --all")
    .argument("[version-or-path]", "e.g. 3.11, 3.9.18 or /usr/bin/python3")
    .option("--all", "adopt every CPython 3.6+ found (one per version)")
    .option("--json", "print the adopted interpreter(s) as JSON")
    .addHelpText("after", "\nExamples:\n  omnipkg python adopt 3.9\n  omnipkg python adopt --all")
    .action(adoptAction);
  python
    .command("switch")
    .description("alias of `omnipkg swap python`")
    .argument("[version]", "adopted version to switch to")
    .option("--from-file", "use the version in .python-version (this folder or a parent)")
    .action(async (version: string | undefined, flags: { fromFile?: boolean }) => {
      const { swapPythonAction } = await import("./swapPython.ts");
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
