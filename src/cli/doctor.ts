import type { Command } from "commander";

/** `omnipkg doctor [--json]`: read-only health check; every problem comes with the command that fixes it. */
export function register(program: Command): void {
  program
    .command("doctor")
    .description("check the home, config, shims and interpreters, and say how to fix each problem")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }) => {
      const [{ homeLayout }, { diagnoseHome }, { printJson, paint }] = await Promise.all([
        import("../core/home.ts"),
        import("../python/doctor.ts"),
        import("../core/output.ts"),
      ]);
      const findings = diagnoseHome(homeLayout());
      // Store, knowledge base and drift checks (src/operations/envStatus.ts).
      const { diagnoseStoreAndKb } = await import("../operations/envStatus.ts");
      findings.push(...(await diagnoseStoreAndKb(homeLayout())));
      const failed = findings.some((f) => !f.ok && f.level === "error");
      if (flags.json) printJson({ ok: !failed, findings });
      else {
        for (const f of findings) {
          const mark = f.ok
            ? paint("green", "ok")
            : f.level === "error"
              ? paint("red", "error")
              : paint("yellow", "warn");
          process.stdout.write(`${mark.padEnd(5)} ${f.check}: ${f.message}\n`);
          if (f.fix) process.stdout.write(`      fix: ${f.fix}\n`);
        }
        process.stdout.write(failed ? "Problems found.\n" : "No problems found.\n");
      }
      if (failed) process.exitCode = 1;
    });
}
