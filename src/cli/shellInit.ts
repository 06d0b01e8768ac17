import type { Command } from "commander";

/** `omnipkg shell-init [bash|zsh|fish]`: what to eval once so the shims lead PATH. */
export function register(program: Command): void {
  program
    .command("shell-init")
    .description("print shell code that puts the Python shims first on PATH (eval it once)")
    .argument("[shell]", "bash, zsh or fish (default: from $SHELL)")
    .addHelpText("after", '\nExample (in ~/.bashrc):\n  eval "$(omnipkg shell-init bash)"')
    .action(async (shell: string | undefined) => {
      const [{ homeLayout }, { detectShell, renderShellInit }, { readConfigEnsuringPython }] =
        await Promise.all([
          import("../core/home.ts"),
          import("../python/shellInit.ts"),
          import("../python/ensureAdopted.ts"),
        ]);
      const layout = homeLayout();
      const text = renderShellInit(shell ?? detectShell(), layout);
      // The shims are only useful once an interpreter is active; first use adopts python3.
      await readConfigEnsuringPython(layout);
      process.stdout.write(text);
    });
}
