import { readFileSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../core/errors.ts";

/**
 * pip's configuration files, read the way pip reads them (INI through configparser):
 * - files load in pip's order, each overriding the one before: the global files
 *   ($XDG_CONFIG_DIRS/pip/pip.conf for each dir, default /etc/xdg, then /etc/pip.conf), the user
 *   files (legacy ~/.pip/pip.conf, then $XDG_CONFIG_HOME/pip/pip.conf), then $PIP_CONFIG_FILE;
 * - `PIP_CONFIG_FILE=/dev/null` turns every file off, as in pip;
 * - inside a file [global] applies first and [install] overrides it;
 * - keys are case-insensitive, `_` and `-` are the same, a leading `--` is allowed;
 * - a value may continue on indented lines (configparser), which is how multi-valued keys are
 *   usually written; multi-valued keys split on any whitespace.
 */

export interface PipConfValue {
  value: string;
  /** The file that set it. */
  file: string;
}

export type PipConf = Map<string, PipConfValue>;

const WANTED_SECTIONS = ["global", "install"];

/** configparser-style INI: sections → normalised key → raw value. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let section: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/\s+$/, "");
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) {
      // configparser keeps blank lines inside a value only when followed by indented text;
      // pip's multi-valued keys split on whitespace, so dropping them changes nothing.
      continue;
    }
    const header = /^\[([^\]]+)\]$/.exec(trimmed);
    if (header) {
      const name = header[1]!.trim().toLowerCase();
      section = sections.get(name) ?? new Map();
      sections.set(name, section);
      lastKey = undefined;
      continue;
    }
    if (/^\s/.test(line) && section && lastKey !== undefined) {
      section.set(lastKey, `${section.get(lastKey) ?? ""}\n${trimmed}`);
      continue;
    }
    const match = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!match || !section) continue;
    lastKey = normalizeKey(match[1]!);
    section.set(lastKey, match[2]!);
  }
  return sections;
}

export function normalizeKey(key: string): string {
  return key.trim().toLowerCase().replace(/^--/, "").replace(/_/g, "-");
}

export interface PipConfLocations {
  env: NodeJS.ProcessEnv;
  homeDir: string;
  /** Root of the system configuration ("/etc" on Linux); tests point it into a temp dir. */
  systemConfigDir: string;
}

/** The pip.conf files in load order (later wins). Missing files are fine. */
export function pipConfigFiles({ env, homeDir, systemConfigDir }: PipConfLocations): string[] {
  const envFile = env.PIP_CONFIG_FILE;
  if (envFile === "/dev/null") return [];
  const files: string[] = [];
  const xdgDirs = (env.XDG_CONFIG_DIRS || join(systemConfigDir, "xdg")).split(":").filter(Boolean);
  for (const dir of xdgDirs) files.push(join(dir, "pip", "pip.conf"));
  files.push(join(systemConfigDir, "pip.conf"));
  files.push(join(homeDir, ".pip", "pip.conf"));
  files.push(join(env.XDG_CONFIG_HOME || join(homeDir, ".config"), "pip", "pip.conf"));
  if (envFile) files.push(envFile);
  return files;
}

/** Read the files in order and merge the [global] and [install] sections, later winning. */
export function readPipConf(files: string[]): PipConf {
  const merged: PipConf = new Map();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      const code = errnoCode(error);
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EACCES" || code === "EISDIR") continue;
      throw error;
    }
    const sections = parseIni(text);
    for (const name of WANTED_SECTIONS) {
      for (const [key, value] of sections.get(name) ?? []) merged.set(key, { value, file });
    }
  }
  return merged;
}

export function splitMulti(value: string): string[] {
  return value.split(/\s+/).filter(Boolean);
}
