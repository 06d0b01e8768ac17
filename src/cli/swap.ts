import type { Command } from "commander";
import { swapPythonAction, type SwapFlags } from "./swapPython.ts";

/**
 * `omnipkg swap python [VER]`: the hot path (40 ms budget, most of it Node's own start). Everything
 * is imported inside the action; the interactive menu and first-use adoption are loaded only when
 * they are needed.
 */

export function register(program: Command): void {
  program
    .command("swap")
    .description(
      "switch the active interpreter (swap python [VERSION]) or a package's main version (swap NAME==VERSION)",
    )
    .argument("<what>", '"python", or NAME==VERSION of a bubbled package')
    .argument("[version]", "with python: adopted version to switch to, e.g. 3.11 or 3.9.18")
    .option("--from-file", "python: use the version in .python-version (this folder or a parent)")
    .option("--python <version>", "package: act on the managed environment of this adopted interpreter")
    .option("--env <dir>", "package: act on this existing virtual environment")
    .option("--json", "package: print a machine-readable report")
    .addHelpText(
      "after",
      "\nExamples:\n  omnipkg swap python 3.11\n  omnipkg swap python            # menu on a TTY\n  omnipkg swap rich==13.4.2      # that version into main, the current one into a bubble",
    )
    .action(
      async (
        what: string,
        version: string | undefined,
        flags: SwapFlags & { python?: string; env?: string; json?: boolean },
      ) => {
        if (what === "python") return swapPythonAction(version, flags);
        const { UsageError } = await import("../core/errors.ts");
        if (!what.includes("==") || version !== undefined) {
          throw new UsageError(
            `"omnipkg swap ${[what, version].filter(Boolean).join(" ")}" is not a swap: use \`omnipkg swap python <VERSION>\` or \`omnipkg swap NAME==VERSION\`.`,
          );
        }
        const { swapPackageAction } = await import("./swapPackage.ts");
        return swapPackageAction(what, flags);
      },
    );
}
