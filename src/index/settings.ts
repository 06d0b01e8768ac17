import { homedir } from "node:os";
import { join } from "node:path";
import { OmnipkgError } from "../core/errors.ts";
import { homeLayout, resolveHomeRoot } from "../core/home.ts";
import { pipConfigFiles, readPipConf, splitMulti } from "./pipConf.ts";
import type { IndexSettings, Sourced } from "./types.ts";

/**
 * Effective index settings, each with where it came from. Sources apply in this order, later
 * winning, and a later source replaces a list rather than extending it (as pip does):
 *   1. pip.conf files (see pipConf.ts), keys index-url, extra-index-url, find-links, no-index,
 *      timeout (alias default-timeout), retries;
 *   2. UV_INDEX_URL, UV_DEFAULT_INDEX (the newer name wins over the older), UV_EXTRA_INDEX_URL;
 *   3. PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS, PIP_NO_INDEX;
 *   4. OMNIPKG_INDEX_URL, OMNIPKG_INDEX_STRATEGY (UV_INDEX_STRATEGY is read at step 2);
 *   5. command-line flags.
 */

/**
 * How several indexes combine, named as in uv (`--index-strategy`):
 * - `first-index` (default): the first index that has a project supplies all of its files, so a
 *   private extra index cannot be shadowed by a same-named public upload (dependency confusion).
 * - `unsafe-best-match`: every index is asked and their files are merged, the first index's copy
 *   winning a file name several list (client.ts `mergePage`). "Unsafe" because a later index can
 *   then supply a newer version of a private name. Useful when a partial mirror comes first.
 */
export type IndexStrategy = "first-index" | "unsafe-best-match";
export const INDEX_STRATEGIES: readonly IndexStrategy[] = ["first-index", "unsafe-best-match"];

function parseStrategy(raw: string, where: string): IndexStrategy {
  const value = raw.trim().toLowerCase();
  if ((INDEX_STRATEGIES as readonly string[]).includes(value)) return value as IndexStrategy;
  throw new OmnipkgError(
    "INDEX_CONFIG_INVALID",
    `The index strategy "${raw.trim()}" from ${where} is not known.`,
    { hint: `Use one of: ${INDEX_STRATEGIES.join(", ")}.`, exitCode: 2 },
  );
}

export const DEFAULT_INDEX_URL = "https://pypi.org/simple";
export const DEFAULT_TIMEOUT_SEC = 15;
export const DEFAULT_RETRIES = 5;
export const DEFAULT_CONCURRENCY = 16;

export interface IndexFlags {
  indexUrl?: string;
  extraIndexUrls?: string[];
  findLinks?: string[];
  noIndex?: boolean;
  timeoutSec?: number;
  retries?: number;
  offline?: boolean;
  concurrency?: number;
  indexStrategy?: IndexStrategy;
}

export interface LoadIndexSettingsOptions {
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
  /** "/etc" unless a test says otherwise. */
  systemConfigDir?: string;
  /** Defaults to `<omnipkg home>/cache/http`. */
  cacheDir?: string;
  flags?: IndexFlags;
}

function truthy(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (["1", "true", "yes", "on", "y", "t"].includes(v)) return true;
  if (["0", "false", "no", "off", "n", "f", ""].includes(v)) return false;
  return undefined;
}

function parseNumber(raw: string, where: string, key: string, integer: boolean): number {
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new OmnipkgError(
      "INDEX_CONFIG_INVALID",
      `The ${key} value "${raw.trim()}" from ${where} is not a valid number.`,
      {
        hint: `Set ${key} to a non-negative ${integer ? "integer" : "number"}.`,
      },
    );
  }
  return n;
}

export function loadIndexSettings(options: LoadIndexSettingsOptions = {}): IndexSettings {
  const env = options.env ?? process.env;
  const homeDir = options.homeDir ?? homedir();
  const flags = options.flags ?? {};
  const files = pipConfigFiles({ env, homeDir, systemConfigDir: options.systemConfigDir ?? "/etc" });
  const conf = readPipConf(files);

  const s: IndexSettings = {
    indexUrl: { value: DEFAULT_INDEX_URL, source: "default" },
    extraIndexUrls: { value: [], source: "default" },
    findLinks: { value: [], source: "default" },
    noIndex: { value: false, source: "default" },
    indexStrategy: { value: "first-index", source: "default" },
    timeoutSec: { value: DEFAULT_TIMEOUT_SEC, source: "default" },
    retries: { value: DEFAULT_RETRIES, source: "default" },
    offline: { value: false, source: "default" },
    concurrency: { value: DEFAULT_CONCURRENCY, source: "default" },
    cacheDir: {
      value: options.cacheDir ?? join(homeLayout(resolveHomeRoot(env)).cacheDir, "http"),
      source: options.cacheDir ? "option" : "default",
    },
    netrcFile: env.NETRC
      ? { value: env.NETRC, source: "NETRC" }
      : { value: join(homeDir, ".netrc"), source: "default" },
  };
  const set = <T>(field: Sourced<T>, value: T, source: string): void => {
    field.value = value;
    field.source = source;
  };

  // 1. pip.conf
  const url = conf.get("index-url");
  if (url) set(s.indexUrl, url.value.trim(), url.file);
  const extra = conf.get("extra-index-url");
  if (extra) set(s.extraIndexUrls, splitMulti(extra.value), extra.file);
  const links = conf.get("find-links");
  if (links) set(s.findLinks, splitMulti(links.value), links.file);
  const noIndex = conf.get("no-index");
  if (noIndex && truthy(noIndex.value) !== undefined) set(s.noIndex, truthy(noIndex.value)!, noIndex.file);
  const timeout = conf.get("timeout") ?? conf.get("default-timeout");
  if (timeout) set(s.timeoutSec, parseNumber(timeout.value, timeout.file, "timeout", false), timeout.file);
  const retries = conf.get("retries");
  if (retries) set(s.retries, parseNumber(retries.value, retries.file, "retries", true), retries.file);

  // 2-4. environment variables, in increasing priority
  const fromEnv = (name: string, apply: (value: string) => void): void => {
    const value = env[name];
    if (value !== undefined && value.trim() !== "") apply(value);
  };
  fromEnv("UV_INDEX_URL", (v) => set(s.indexUrl, v.trim(), "UV_INDEX_URL"));
  fromEnv("UV_DEFAULT_INDEX", (v) => set(s.indexUrl, v.trim(), "UV_DEFAULT_INDEX"));
  fromEnv("UV_EXTRA_INDEX_URL", (v) => set(s.extraIndexUrls, splitMulti(v), "UV_EXTRA_INDEX_URL"));
  fromEnv("UV_INDEX_STRATEGY", (v) =>
    set(s.indexStrategy, parseStrategy(v, "UV_INDEX_STRATEGY"), "UV_INDEX_STRATEGY"),
  );
  fromEnv("PIP_INDEX_URL", (v) => set(s.indexUrl, v.trim(), "PIP_INDEX_URL"));
  fromEnv("PIP_EXTRA_INDEX_URL", (v) => set(s.extraIndexUrls, splitMulti(v), "PIP_EXTRA_INDEX_URL"));
  fromEnv("PIP_FIND_LINKS", (v) => set(s.findLinks, splitMulti(v), "PIP_FIND_LINKS"));
  fromEnv("PIP_NO_INDEX", (v) => {
    const b = truthy(v);
    if (b !== undefined) set(s.noIndex, b, "PIP_NO_INDEX");
  });
  fromEnv("OMNIPKG_INDEX_URL", (v) => set(s.indexUrl, v.trim(), "OMNIPKG_INDEX_URL"));
  fromEnv("OMNIPKG_INDEX_STRATEGY", (v) =>
    set(s.indexStrategy, parseStrategy(v, "OMNIPKG_INDEX_STRATEGY"), "OMNIPKG_INDEX_STRATEGY"),
  );

  // 5. flags
  if (flags.indexUrl !== undefined) set(s.indexUrl, flags.indexUrl, "--index-url");
  if (flags.extraIndexUrls?.length) set(s.extraIndexUrls, flags.extraIndexUrls, "--extra-index-url");
  if (flags.findLinks?.length) set(s.findLinks, flags.findLinks, "--find-links");
  if (flags.noIndex) set(s.noIndex, true, "--no-index");
  if (flags.timeoutSec !== undefined) set(s.timeoutSec, flags.timeoutSec, "--timeout");
  if (flags.retries !== undefined) set(s.retries, flags.retries, "--retries");
  if (flags.offline) set(s.offline, true, "--offline");
  if (flags.concurrency !== undefined) set(s.concurrency, flags.concurrency, "--concurrency");
  if (flags.indexStrategy !== undefined) set(s.indexStrategy, flags.indexStrategy, "--index-strategy");
  return s;
}

/**
 * The ordered list of indexes to ask. Extra indexes come first, in the order given, and the default
 * index last: with the first-index strategy (the default) the first index that has a project name
 * supplies all of its files, so a private extra index cannot be shadowed by a same-named public
 * upload (dependency confusion); with unsafe-best-match the order decides which index's files count
 * for a version several offer. With --no-index the list is empty and only find-links are used.
 */
export function orderedIndexes(settings: IndexSettings): string[] {
  if (settings.noIndex.value) return [];
  const list = [...settings.extraIndexUrls.value];
  if (settings.indexUrl.value) list.push(settings.indexUrl.value);
  return [...new Set(list)];
}
