import type { Command } from "commander";
import { isOmnipkgError, UsageError } from "../core/errors.ts";
import { indexFlagsFrom, type IndexOptionValues } from "../index/cliFlags.ts";
import { addOptions, installOptionSpecs } from "./installOptions.ts";

/** `omnipkg install` and `omnipkg uninstall`: thin wrappers over src/operations. */

export interface InstallFlags extends IndexOptionValues {
  requirement?: string[];
  constraint?: string[];
  python?: string;
  env?: string;
  deps?: boolean;
  dryRun?: boolean;
  pre?: boolean;
  reinstall?: boolean;
  compile?: boolean;
  json?: boolean;
  strategy?: string;
}

/** The install command's action; the warm-install entry (src/cli/fastInstall.ts) calls it too. */
export async function installAction(specs: string[], flags: InstallFlags): Promise<void> {
  const [{ installPackages }, report, progressMod] = await Promise.all([
    import("../operations/install.ts"),
    import("./installReport.ts"),
    import("./progress.ts"),
  ]);
  if (
    flags.strategy !== undefined &&
    flags.strategy !== "stable-main" &&
    flags.strategy !== "latest-active"
  ) {
    throw new UsageError(`Unknown strategy "${flags.strategy}"; use stable-main or latest-active.`);
  }
  const progress = await progressMod.createDownloadProgress(!flags.json);
  const strategy =
    (flags.strategy as "stable-main" | "latest-active" | undefined) ?? (await configuredStrategy());
  try {
    const result = await installPackages(
      {
        requirements: specs,
        requirementFiles: flags.requirement ?? [],
        constraintFiles: flags.constraint ?? [],
        target: {
          ...(flags.python ? { python: flags.python } : {}),
          ...(flags.env ? { env: flags.env } : {}),
        },
        indexFlags: indexFlagsFrom(flags),
        noDeps: flags.deps === false,
        dryRun: flags.dryRun ?? false,
        pre: flags.pre ?? false,
        reinstall: flags.reinstall ?? false,
        compile: flags.compile ?? false,
        ...(strategy ? { strategy } : {}),
        command: ["omnipkg", "install", ...process.argv.slice(3)].join(" "),
      },
      {
        warn: (m) => process.stderr.write(`warning: ${m}\n`),
        onLockWait: (pid) =>
          process.stderr.write(
            `Waiting for another omnipkg process${pid ? ` (pid ${pid})` : ""} using this environment...\n`,
          ),
        ...(progress ?? {}),
      },
    );
    progress?.stop();
    report.printInstallReport(result, flags.json ?? false);
  } catch (error) {
    throw commandLineUsage(error, specs);
  } finally {
    progress?.stop();
  }
}

/**
 * A requirement typed on the command line that is not valid PEP 508 is bad usage (exit 2), as an
 * unknown flag is; the same text read from a requirements file stays a failure of that file (1).
 */
export function commandLineUsage(error: unknown, specs: readonly string[]): unknown {
  if (!isOmnipkgError(error) || error.code !== "INVALID_REQUIREMENT") return error;
  const text = (error as { text?: unknown }).text;
  if (typeof text !== "string" || !specs.includes(text)) return error;
  return new UsageError(error.message, { ...(error.hint ? { hint: error.hint } : {}), cause: error });
}

async function configuredStrategy(): Promise<"stable-main" | "latest-active" | undefined> {
  const [{ readConfig }, { homeLayout }] = await Promise.all([
    import("../core/config.ts"),
    import("../core/home.ts"),
  ]);
  const install = readConfig(homeLayout().configFile).settings.install as { strategy?: unknown } | undefined;
  const value = install?.strategy;
  return value === "latest-active" || value === "stable-main" ? value : undefined;
}

export function register(program: Command): void {
  const install = program
    .command("install")
    .description("install packages into the environment; conflicting versions go into bubbles")
    .argument("[packages...]", "requirements (PEP 508), wheel paths or URLs");
  addOptions(install, installOptionSpecs())
    .addHelpText(
      "after",
      "\nExamples:\n  omnipkg install rich==13.9.4\n  omnipkg install rich==13.4.2 rich==13.9.4   # one in main, one in a bubble\n  omnipkg install -r requirements.txt --python 3.11",
    )
    .action(installAction);

  program
    .command("uninstall")
    .description("remove packages from main, or one bubble with NAME==VERSION")
    .argument("<packages...>", "names, or name==version for a bubbled version")
    .option("--python <version>", "act on the managed environment of this adopted interpreter")
    .option("--env <dir>", "act on this existing virtual environment")
    .option("--json", "print a machine-readable report")
    .addHelpText(
      "after",
      "\nExamples:\n  omnipkg uninstall rich\n  omnipkg uninstall rich==13.4.2   # that bubble only",
    )
    .action(async (names: string[], flags: { python?: string; env?: string; json?: boolean }) => {
      const [{ uninstallPackages }, report] = await Promise.all([
        import("../operations/uninstall.ts"),
        import("./installReport.ts"),
      ]);
      const result = await uninstallPackages({
        names,
        target: {
          ...(flags.python ? { python: flags.python } : {}),
          ...(flags.env ? { env: flags.env } : {}),
        },
        command: ["omnipkg", "uninstall", ...process.argv.slice(3)].join(" "),
      });
      report.printUninstallReport(result, flags.json ?? false);
    });
}
