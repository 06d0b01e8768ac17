import type { Command } from "commander";

/** `omnipkg status [--json]`: home, knowledge base, active interpreter, PATH, .python-version. */
export function register(program: Command): void {
  program
    .command("status")
    .description("show the home, knowledge base, active interpreter and whether the shims lead PATH")
    .option("--json", "print JSON")
    .option("--env <dir>", "also report this virtual environment (the active VIRTUAL_ENV always is)")
    .action(async (flags: { json?: boolean; env?: string }) => {
      const [{ homeLayout }, { readStatus }, { withKnowledgeBase }, { isOmnipkgError }] = await Promise.all([
        import("../core/home.ts"),
        import("../python/status.ts"),
        import("../python/probeCache.ts"),
        import("../core/errors.ts"),
      ]);
      const layout = homeLayout();
      let kbBackend: string;
      try {
        kbBackend = await withKnowledgeBase(layout, async (kb) => kb.backend);
      } catch (error) {
        if (!isOmnipkgError(error)) throw error;
        kbBackend = `unavailable: ${error.message}`;
      }
      const status = readStatus(layout, kbBackend);
      const { printJson, paint, formatBytes } = await import("../core/output.ts");
      // Per environment: packages, bubbles, bytes and drift (src/operations/envStatus.ts).
      const envStatus = await import("../operations/envStatus.ts");
      const envDirs = [flags.env, process.env.VIRTUAL_ENV].filter((d): d is string => !!d);
      const envs = await envStatus.readEnvironmentsStatus(layout, envDirs);
      if (flags.json) {
        printJson({
          ...status,
          environments: envs.environments,
          ...(envs.error ? { environmentsError: envs.error } : {}),
        });
        return;
      }
      const a = status.active;
      const shims = status.shims.leads
        ? "yes"
        : status.shims.onPath
          ? `no (${status.shims.shadowedBy} comes first)`
          : 'no (run: eval "$(omnipkg shell-init)")';
      const lines = [
        `home:            ${status.home}`,
        `config:          ${status.configError ? paint("red", status.configError) : status.configFile}`,
        `knowledge base:  ${status.kbBackend}`,
        `active python:   ${a ? `${a.version} (${a.interpreter})` : "none (run: omnipkg python adopt 3)"}`,
        `shims:           ${status.shimsDir}`,
        `shims lead PATH: ${shims}`,
        `.python-version: ${status.pythonVersionFile ? `${status.pythonVersionFile.request ?? "(empty)"} (${status.pythonVersionFile.path})` : "none"}`,
      ];
      if (a && status.configActive !== a.id)
        lines.push(`note:            config says ${status.configActive ?? "none"}; run \`omnipkg doctor\``);
      for (const e of envs.environments) lines.push(...envStatus.formatEnvStatus(e, formatBytes));
      if (envs.error) lines.push(`environments:    ${paint("red", envs.error)}`);
      process.stdout.write(lines.join("\n") + "\n");
      if (status.configError) process.exitCode = 1;
    });
}
