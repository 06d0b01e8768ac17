import type { Command } from "commander";

/** `omnipkg run`: one target on one adopted interpreter, exit code passed through. */

export const collectSpecs = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

export function register(program: Command): void {
  // Options after the target belong to the target (`run script.py --python x` passes --python on).
  program.enablePositionalOptions();
  program
    .command("run")
    .description("Run a script, module or code on an adopted interpreter's environment, with bubbles active")
    .usage("[--python VER] [--with SPEC…] <script.py | -m module | -c code> [args…]")
    .option("--python <version>", "interpreter to run on (default: the active one), e.g. 3.9")
    .option("--with <spec>", "activate a bubble, e.g. rich==13.4.2 (repeatable)", collectSpecs)
    .argument("[target...]", "script.py | -m module | -c code, then its arguments")
    .passThroughOptions()
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (argv: string[], options: { python?: string; with?: string[] }) => {
      const { readConfig } = await import("../core/config.ts");
      const { homeLayout } = await import("../core/home.ts");
      const mv = await import("../multiverse/index.ts");
      const { target, args } = mv.parseRunArgv(argv);
      const python = mv.resolveTarget(readConfig(homeLayout().configFile), options.python);
      const outcome = await mv.runOnce(python, { target, args, specs: options.with ?? [] });
      mv.adoptOutcome(outcome);
    });
}
