import { homeLayout } from "../core/home.ts";
import { OmnipkgError, UsageError } from "../core/errors.ts";
import { adoptedIds } from "./adopted.ts";
import { readConfigEnsuringPython } from "./ensureAdopted.ts";
import { NoVersionGiven } from "./errors.ts";
import { findPythonVersionFile } from "./pythonVersionFile.ts";
import { swapPython, type SwapResult } from "./swap.ts";

/**
 * The whole `swap python` command behind one dynamic import: every module it needs is a static
 * import here, so Node loads them as one graph instead of a chain of awaited imports. The menu
 * (@clack/prompts) and first-use adoption stay behind their own dynamic imports.
 */
export interface SwapFlags {
  fromFile?: boolean;
}

export async function runSwapPython(version: string | undefined, flags: SwapFlags): Promise<SwapResult> {
  const layout = homeLayout();
  const config = await readConfigEnsuringPython(layout);
  let request = version;
  if (request === undefined) {
    if (flags.fromFile) {
      const file = findPythonVersionFile();
      if (!file?.request)
        throw new UsageError("--from-file found no .python-version in this folder or above.");
      request = file.request;
    } else if (process.stdin.isTTY && process.stdout.isTTY) {
      request = await chooseInteractively(config.activePython, adoptedIds(config));
    } else {
      throw new NoVersionGiven(adoptedIds(config));
    }
  }
  return swapPython(layout, request);
}

async function chooseInteractively(active: string | undefined, ids: string[]): Promise<string> {
  const { select, isCancel } = await import("@clack/prompts");
  const choice = await select({
    message: "Switch to which Python?",
    options: ids.map((id) => ({ value: id, label: id, hint: id === active ? "active" : undefined })),
    initialValue: active,
  });
  if (isCancel(choice)) throw new OmnipkgError("CANCELLED", "No interpreter was chosen; nothing changed.");
  return choice;
}
