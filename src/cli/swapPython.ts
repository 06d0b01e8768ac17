/**
 * `omnipkg swap python [VER]`: the hot path (40 ms budget, most of it Node's own start). It is
 * also the whole of the `fast-swap` bundle (src/cli/fastSwap.ts), so it imports nothing but the
 * swap itself; the menu and first-use adoption are loaded only when needed.
 */
export interface SwapFlags {
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
