import { readConfig } from "../core/config.ts";
import type { HomeLayout } from "../core/home.ts";
import { KbUrlInvalid } from "./errors.ts";

/**
 * Where the knowledge base lives: `OMNIPKG_KB`, else `kb.url` in config.toml's settings, else the
 * embedded SQLite file. Precedence follows the usual rule: an explicit option beats the
 * environment, which beats the config file.
 */
export type KbLocation =
  | { backend: "sqlite"; file: string }
  | {
      backend: "redis";
      url: string;
      /** The URL with any password removed, for messages. */ display: string;
    };

export function redactRedisUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.password = "";
  return copy.href.replace(/\/$/, "");
}

export function parseKbUrl(raw: string, layout: HomeLayout): KbLocation {
  const text = raw.trim();
  if (text === "" || text === "sqlite" || text === "sqlite:")
    return { backend: "sqlite", file: layout.kbFile };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new KbUrlInvalid(text.replace(/:[^:@/]*@/, ":***@"), "it is not a URL");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new KbUrlInvalid(
      redactRedisUrl(url),
      `the scheme ${url.protocol} is not redis:, rediss: or sqlite`,
    );
  }
  const db = url.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) {
    throw new KbUrlInvalid(redactRedisUrl(url), `the database "${db}" is not a number`);
  }
  return { backend: "redis", url: url.href, display: redactRedisUrl(url) };
}

function configuredUrl(layout: HomeLayout): string | undefined {
  const settings = readConfig(layout.configFile).settings;
  const kb = settings.kb;
  if (typeof kb === "object" && kb !== null && !Array.isArray(kb)) {
    const url = (kb as Record<string, unknown>).url;
    if (typeof url === "string") return url;
  }
  return undefined;
}

export function resolveKbLocation(
  layout: HomeLayout,
  options: { url?: string; env?: NodeJS.ProcessEnv } = {},
): KbLocation {
  const env = options.env ?? process.env;
  const raw = options.url ?? (env.OMNIPKG_KB || undefined) ?? configuredUrl(layout) ?? "";
  return parseKbUrl(raw, layout);
}
