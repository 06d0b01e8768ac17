import type { Command } from "commander";
import { addIndexOptions } from "../index/cliFlags.ts";

/**
 * The options of `omnipkg install`, as data: the commander registration (src/cli/install.ts) and the
 * fast argument reader of the warm-install entry (src/cli/fastInstall.ts) both read this one table,
 * so a flag is declared once. Each entry is what commander's `.option(flags, description, parse)`
 * takes. Nothing here may import commander's runtime: the fast entry never loads it.
 */
export interface OptionSpec {
  flags: string;
  description: string;
  /** commander's custom option processing: `(value, previous) => next`. */
  parse?: (value: string, previous: never) => unknown;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const installOwnOptions: readonly OptionSpec[] = [
  {
    flags: "-r, --requirement <file>",
    description: "install from a requirements file (repeatable)",
    parse: collect,
  },
  {
    flags: "-c, --constraint <file>",
    description: "constrain versions with a constraints file (repeatable)",
    parse: collect,
  },
  { flags: "--python <version>", description: "act on the managed environment of this adopted interpreter" },
  { flags: "--env <dir>", description: "act on this existing virtual environment" },
  { flags: "--no-deps", description: "install the named packages only" },
  { flags: "--dry-run", description: "resolve and report, change nothing" },
  { flags: "--pre", description: "allow pre-releases" },
  { flags: "--reinstall", description: "reinstall the named packages even when the version is installed" },
  { flags: "--compile", description: "compile .py files to bytecode after installing" },
  { flags: "--strategy <name>", description: "stable-main (default: main never changes) or latest-active" },
  { flags: "--json", description: "print a machine-readable report" },
];

/**
 * The index options come from src/index/cliFlags.ts, which declares them by calling `.option()` on
 * a command: a stand-in that only records those calls turns them into table rows.
 */
function indexOptionSpecs(): OptionSpec[] {
  const specs: OptionSpec[] = [];
  const recorder = {
    option(flags: string, description: string, parse?: OptionSpec["parse"]) {
      specs.push(parse ? { flags, description, parse } : { flags, description });
      return recorder;
    },
  };
  addIndexOptions(recorder as unknown as Command);
  return specs;
}

let table: readonly OptionSpec[] | undefined;

/** Every option of `omnipkg install`, in help order. */
export function installOptionSpecs(): readonly OptionSpec[] {
  table ??= [...installOwnOptions, ...indexOptionSpecs()];
  return table;
}

/** Declares the table's options on a commander command. */
export function addOptions(command: Command, specs: readonly OptionSpec[]): Command {
  for (const spec of specs) {
    if (spec.parse)
      command.option(spec.flags, spec.description, spec.parse as (v: string, p: unknown) => unknown);
    else command.option(spec.flags, spec.description);
  }
  return command;
}
