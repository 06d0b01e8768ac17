import type { OptionSpec } from "./installOptions.ts";

/**
 * Reads a command line the way commander reads it for a leaf command with one variadic argument,
 * but only the plain, valid shapes: `--name value`, `--name=value`, `-x value`, `-xvalue`, boolean
 * and `--no-` flags, and operands that do not start with a dash. Anything else (help, version, an
 * unknown or misspelt option, a missing value, a value that looks like an option, `--`, a value the
 * option's parser rejects) returns undefined and the caller hands the command line to commander, so
 * every message and exit code stays commander's. test/cli/fastArgs.test.ts checks that both readers
 * agree on what this one accepts.
 */

interface FastOption {
  short: string | undefined;
  long: string;
  attribute: string;
  takesValue: boolean;
  negate: boolean;
  parse: OptionSpec["parse"];
}

export interface FastParse {
  operands: string[];
  /** What commander's `command.opts()` would hold. */
  values: Record<string, unknown>;
}

/** commander's Option: `-r, --requirement <file>` → short, long, value; attribute in camelCase. */
function describe(spec: OptionSpec): FastOption | undefined {
  const match = /^(?:(-[A-Za-z0-9]), )?(--[a-z0-9][a-z0-9-]*)(?: <[^>]+>)?$/.exec(spec.flags);
  if (!match) return undefined;
  const long = match[2]!;
  const negate = long.startsWith("--no-");
  const attribute = long.slice(negate ? 5 : 2).replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return {
    short: match[1],
    long,
    attribute,
    takesValue: spec.flags.endsWith(">"),
    negate,
    parse: spec.parse,
  };
}

export function fastParse(specs: readonly OptionSpec[], args: readonly string[]): FastParse | undefined {
  const options: FastOption[] = [];
  for (const spec of specs) {
    const option = describe(spec);
    // A flag shape this reader does not know (optional or variadic value, ...) is commander's job.
    if (!option) return undefined;
    options.push(option);
  }
  const values: Record<string, unknown> = {};
  // commander gives a lone `--no-x` (no `--x` declared) the default true.
  for (const o of options)
    if (o.negate && !options.some((p) => p.long === `--${o.long.slice(5)}`)) values[o.attribute] = true;

  const assign = (option: FastOption, value: string | undefined): boolean => {
    if (value === undefined) {
      values[option.attribute] = !option.negate;
      return true;
    }
    if (!option.parse) {
      values[option.attribute] = value;
      return true;
    }
    try {
      values[option.attribute] = option.parse(value, values[option.attribute] as never);
      return true;
    } catch {
      return false; // commander words the rejection
    }
  };
  const looksLikeOption = (arg: string) => arg.length > 1 && arg.startsWith("-");

  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!looksLikeOption(arg)) {
      operands.push(arg);
      continue;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 2 ? arg.slice(0, eq) : arg.length > 2 && arg[1] !== "-" ? arg.slice(0, 2) : arg;
    const option = options.find((o) => o.long === name || o.short === name);
    if (!option) return undefined;
    let value: string | undefined;
    if (name !== arg) {
      // `--name=value` or `-xvalue`: only options that take a value read it this way.
      if (!option.takesValue) return undefined;
      value = arg.slice(eq > 2 ? eq + 1 : 2);
    } else if (option.takesValue) {
      value = args[++i];
      // Missing, or dash-led (commander would read it, but the program-level options see it first).
      if (value === undefined || looksLikeOption(value)) return undefined;
    }
    if (!assign(option, value)) return undefined;
  }
  return { operands, values };
}
