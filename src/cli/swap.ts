import type { Command } from "commander";

/**
 * `omnipkg swap python [VER]`: the hot path (40 ms budget, most of it Node's own start). Everything
 * is imported inside the action; the interactive menu and first-use adoption are loaded only when
 * they are needed.
 */

interface SwapFlags {
  fromFile?: boolean;
}

export async function swapPythonAction(version: string | undefined, flags: SwapFlags): Promise<void> {
  const { runSwapPython } = await import("../python/swapCommand.ts");
  const result = await runSwapPython(version, flags);
  process.stdout.write(
    result.changed
      ? `Switched to Python ${result.record.version}\n`
      : `Already on Python ${result.record.version}\n`,
  );
}

export function register(program: Command): void {
  program
    .command("swap")
    .description("switch the active Python interpreter: swap python [VERSION]")
    .argument("<what>", '"python" (switching package versions arrives with the install engine)')
    .argument("[version]", "adopted version to switch to, e.g. 3.11 or 3.9.18")
    .option("--from-file", "use the version in .python-version (this folder or a parent)")
    .addHelpText("after", "\nExample:\n  omnipkg swap python 3.11")
    .action(async (what: string, version: string | undefined, flags: SwapFlags) => {
      if (what !== "python") {
        const { UsageError } = await import("../core/errors.ts");
        throw new UsageError(
          `Swapping package versions ("${what}") arrives with the install engine; today only \`omnipkg swap python <VERSION>\` works.`,
        );
      }
      await swapPythonAction(version, flags);
    });
}
