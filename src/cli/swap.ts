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
  const [{ homeLayout }, { readConfigEnsuringPython }] = await Promise.all([
    import("../core/home.ts"),
    import("../python/ensureAdopted.ts"),
  ]);
  const layout = homeLayout();
  let request = version;
  if (request === undefined) {
    const config = await readConfigEnsuringPython(layout);
    const { adoptedIds } = await import("../python/adopted.ts");
    if (flags.fromFile) {
      const { findPythonVersionFile } = await import("../python/pythonVersionFile.ts");
      const file = findPythonVersionFile();
      const { UsageError } = await import("../core/errors.ts");
      if (!file?.request)
        throw new UsageError("--from-file found no .python-version in this folder or above.");
      request = file.request;
    } else if (process.stdin.isTTY && process.stdout.isTTY) {
      request = await chooseInteractively(config.activePython, adoptedIds(config));
    } else {
      const { NoVersionGiven } = await import("../python/errors.ts");
      throw new NoVersionGiven(adoptedIds(config));
    }
  } else {
    await readConfigEnsuringPython(layout);
  }
  const { swapPython } = await import("../python/swap.ts");
  const result = await swapPython(layout, request);
  process.stdout.write(
    result.changed
      ? `Switched to Python ${result.record.version}\n`
      : `Already on Python ${result.record.version}\n`,
  );
}

async function chooseInteractively(active: string | undefined, ids: string[]): Promise<string> {
  const { select, isCancel } = await import("@clack/prompts");
  const choice = await select({
    message: "Switch to which Python?",
    options: ids.map((id) => ({ value: id, label: id, hint: id === active ? "active" : undefined })),
    initialValue: active,
  });
  if (isCancel(choice)) {
    const { OmnipkgError } = await import("../core/errors.ts");
    throw new OmnipkgError("CANCELLED", "No interpreter was chosen; nothing changed.");
  }
  return choice;
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
