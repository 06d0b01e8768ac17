import type { Command } from "commander";
import { collectSpecs } from "./run.ts";

/** `omnipkg multiverse`: the same target on several interpreters, then a table; exit 1 if any failed. */

interface MultiverseFlags {
  python?: string;
  parallel?: string;
  with?: string[];
  json?: boolean;
}

export function register(program: Command): void {
  program.enablePositionalOptions();
  program
    .command("multiverse")
    .description("Run the same script, module or code on several interpreters and compare the results")
    .usage(
      "[--python 3.9,3.11 | --python all] [--parallel N] [--with SPEC…] [--json] -- <script.py | -m module | -c code> [args…]",
    )
    .option("--python <versions>", "comma-separated versions, or all (default: all adopted)")
    .option("--parallel <n>", "how many interpreters run at once (default: one per core)")
    .option("--with <spec>", "activate a bubble on every interpreter (repeatable)", collectSpecs)
    .option("--json", "print the results as JSON")
    .argument("[target...]", "script.py | -m module | -c code, then its arguments")
    .passThroughOptions()
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (argv: string[], flags: MultiverseFlags) => {
      const { reportMultiverse } = await import("../multiverse/multiverseReport.ts");
      await reportMultiverse(argv, flags);
    });
}
