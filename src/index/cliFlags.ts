import { InvalidArgumentError, type Command } from "commander";
import type { IndexFlags, IndexStrategy } from "./settings.ts";

/**
 * The index flags every command that reads an index accepts (index versions, config show, and the
 * installer's commands). It imports nothing but commander (already loaded by the CLI), so a command
 * file can use it at registration time without loading the network stack.
 */

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`"${value}" is not a positive number of seconds.`);
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`"${value}" is not a non-negative integer.`);
  return n;
}

export function addIndexOptions(command: Command): Command {
  return command
    .option("--index-url <url>", "default package index (simple API)")
    .option("--extra-index-url <url>", "extra index, asked before the default one (repeatable)", collect)
    .option("--find-links <path|url>", "folder or flat HTML page of distribution files (repeatable)", collect)
    .option("--no-index", "ask no index; use only --find-links locations")
    .option("--offline", "answer from the HTTP cache only")
    .option("--timeout <seconds>", "network inactivity timeout", seconds)
    .option("--retries <n>", "retries on 5xx answers, resets and timeouts", count)
    .option(
      "--index-strategy <name>",
      "first-index (default: the first index that has a project supplies it) or unsafe-best-match (merge every index)",
      strategy,
    );
}

// Kept here rather than imported from settings.ts so registration does not load the settings code.
function strategy(value: string): IndexStrategy {
  if (value === "first-index" || value === "unsafe-best-match") return value;
  throw new InvalidArgumentError(
    `"${value}" is not an index strategy; use first-index or unsafe-best-match.`,
  );
}

export interface IndexOptionValues {
  indexUrl?: string;
  extraIndexUrl?: string[];
  findLinks?: string[];
  /** commander's `--no-index` sets `index: false`. */
  index?: boolean;
  offline?: boolean;
  timeout?: number;
  retries?: number;
  indexStrategy?: IndexStrategy;
}

export function indexFlagsFrom(options: IndexOptionValues): IndexFlags {
  const flags: IndexFlags = {};
  if (options.indexUrl !== undefined) flags.indexUrl = options.indexUrl;
  if (options.extraIndexUrl?.length) flags.extraIndexUrls = options.extraIndexUrl;
  if (options.findLinks?.length) flags.findLinks = options.findLinks;
  if (options.index === false) flags.noIndex = true;
  if (options.offline) flags.offline = true;
  if (options.timeout !== undefined) flags.timeoutSec = options.timeout;
  if (options.retries !== undefined) flags.retries = options.retries;
  if (options.indexStrategy !== undefined) flags.indexStrategy = options.indexStrategy;
  return flags;
}
