import type { Command } from "commander";

/**
 * `omnipkg info <name>`, `omnipkg freeze`, `omnipkg check`, and the package form of `omnipkg list`
 * (dispatched from list.ts to `listPackagesAction`). They act on `--env DIR`, an activated
 * VIRTUAL_ENV, `--python VER`'s managed environment, or the active one (src/operations/target.ts).
 * Flags and reporting only; each action loads only its engine module (src/operations/inspect*.ts).
 */
export interface TargetFlags {
  python?: string;
  env?: string;
}

/**
 * Resolves the target with a probe cache that reads the local copy of the knowledge base's probes
 * first (src/kb/probeMirror.ts): these commands only read, and opening the knowledge base (SQLite,
 * or ioredis and a round trip to Redis) would cost more than the listing itself.
 */
async function withTarget<T>(
  flags: TargetFlags,
  fn: (target: import("../operations/target.ts").EnvTarget) => T,
): Promise<T> {
  const [{ homeLayout }, { MirroredProbeCache }, { resolveTarget }] = await Promise.all([
    import("../core/home.ts"),
    import("../kb/probeMirror.ts"),
    import("../operations/target.ts"),
  ]);
  const layout = homeLayout();
  const options = {
    ...(flags.python === undefined ? {} : { python: flags.python }),
    ...(flags.env === undefined ? {} : { env: flags.env }),
  };
  const probes = new MirroredProbeCache(layout);
  try {
    return fn(await resolveTarget(layout, options, probes));
  } finally {
    await probes.close();
  }
}

export async function listPackagesAction(flags: TargetFlags & { json?: boolean }): Promise<void> {
  const [{ listPackages }, { renderListing }, { printJson }] = await Promise.all([
    import("../operations/inspectPackages.ts"),
    import("../operations/inspectReport.ts"),
    import("../core/output.ts"),
  ]);
  const listing = await withTarget(flags, listPackages);
  if (flags.json) printJson(listing);
  else process.stdout.write(renderListing(listing));
}

async function infoAction(name: string, flags: TargetFlags & { json?: boolean }): Promise<void> {
  const [{ packageInfo }, { renderInfo }, { printJson }] = await Promise.all([
    import("../operations/inspectPackages.ts"),
    import("../operations/inspectReport.ts"),
    import("../core/output.ts"),
  ]);
  const { info, envDir } = await withTarget(flags, (target) => ({
    info: packageInfo(target, name),
    envDir: target.envDir,
  }));
  if (flags.json) printJson(info);
  else process.stdout.write(renderInfo(info, envDir));
}

async function freezeAction(
  flags: TargetFlags & { all?: boolean; excludeEditable?: boolean },
): Promise<void> {
  const { freeze } = await import("../operations/inspectFreeze.ts");
  const lines = await withTarget(flags, (target) =>
    freeze(target, { all: Boolean(flags.all), excludeEditable: Boolean(flags.excludeEditable) }),
  );
  if (lines.length > 0) process.stdout.write(lines.join("\n") + "\n");
}

async function checkAction(flags: TargetFlags & { json?: boolean }): Promise<void> {
  const [{ checkEnv }, { renderCheck }, { printJson }] = await Promise.all([
    import("../operations/inspectCheck.ts"),
    import("../operations/inspectReport.ts"),
    import("../core/output.ts"),
  ]);
  const report = await withTarget(flags, checkEnv);
  if (flags.json) printJson(report);
  else {
    const text = renderCheck(report);
    process.stderr.write(text.stderr);
    process.stdout.write(text.stdout);
  }
  // Like pip check: problems are a failure the user acts on.
  if (!report.ok) process.exitCode = 1;
}

function addTargetOptions(command: Command): Command {
  return command
    .option("--python <version>", "the managed environment of this interpreter")
    .option(
      "--env <dir>",
      "an existing virtual environment (default: $VIRTUAL_ENV, else the active interpreter's)",
    );
}

export function register(program: Command): void {
  addTargetOptions(
    program
      .command("info")
      .description(
        "show an installed package: the active version and every bubbled version, with bytes on disk",
      )
      .argument("<name>", "a package name, or NAME==VER / NAME<VER to show only matching versions"),
  )
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  omnipkg info rich\n  omnipkg info rich==13.4.2 --json")
    .action((name: string, flags: TargetFlags & { json?: boolean }) => infoAction(name, flags));
  addTargetOptions(
    program
      .command("freeze")
      .description("print installed packages in requirements format, as `pip freeze` does"),
  )
    .option("--all", "also list pip, setuptools, wheel and distribute")
    .option("--exclude-editable", "leave editable installs out")
    .addHelpText("after", "\nExample:\n  omnipkg freeze --env .venv > requirements.txt")
    .action((flags: TargetFlags & { all?: boolean; excludeEditable?: boolean }) => freezeAction(flags));
  addTargetOptions(
    program
      .command("check")
      .description(
        "verify installed packages have compatible dependencies (as `pip check`) and that bubbles are not stale; exit 1 on problems",
      ),
  )
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  omnipkg check --json")
    .action((flags: TargetFlags & { json?: boolean }) => checkAction(flags));
}
