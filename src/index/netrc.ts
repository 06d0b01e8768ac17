import { readFileSync } from "node:fs";

/**
 * ~/.netrc (or $NETRC), the way curl, requests and pip read it: whitespace-separated tokens,
 * `machine <host>` entries with `login`/`password`, one `default` entry used when no machine
 * matches, and `macdef` bodies (which run to the next blank line) skipped. A missing or unreadable
 * file means no credentials; its contents are never logged.
 */

export interface NetrcCredentials {
  login: string;
  password: string;
}

export type Netrc = Map<string, NetrcCredentials>;

const DEFAULT_KEY = "\0default";

export function parseNetrc(text: string): Netrc {
  const tokens: string[] = [];
  let inMacro = false;
  for (const line of text.split(/\r?\n/)) {
    if (inMacro) {
      // A macdef body runs to the next blank line.
      if (line.trim() === "") inMacro = false;
      continue;
    }
    if (line.trimStart().startsWith("#")) continue;
    const words = line.split(/\s+/).filter(Boolean);
    const macro = words.indexOf("macdef");
    if (macro >= 0) {
      tokens.push(...words.slice(0, macro));
      inMacro = true;
      continue;
    }
    tokens.push(...words);
  }
  const entries: Netrc = new Map();
  let current: { key: string; login: string; password: string } | undefined;
  const flush = (): void => {
    if (current && !entries.has(current.key)) {
      entries.set(current.key, { login: current.login, password: current.password });
    }
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === "machine") {
      flush();
      current = { key: (tokens[++i] ?? "").toLowerCase(), login: "", password: "" };
    } else if (token === "default") {
      flush();
      current = { key: DEFAULT_KEY, login: "", password: "" };
    } else if (current && token === "login") current.login = tokens[++i] ?? "";
    else if (current && token === "password") current.password = tokens[++i] ?? "";
    else if (current && token === "account") i++;
  }
  flush();
  return entries;
}

export function readNetrc(path: string | undefined): Netrc {
  if (!path) return new Map();
  try {
    return parseNetrc(readFileSync(path, "utf8"));
  } catch {
    return new Map();
  }
}

export function lookupNetrc(netrc: Netrc, hostname: string): NetrcCredentials | undefined {
  return netrc.get(hostname.toLowerCase()) ?? netrc.get(DEFAULT_KEY);
}
