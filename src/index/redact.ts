/**
 * Credentials live in index URLs (`https://user:token@host/simple`) and in ~/.netrc. They must
 * never reach a message, a log line or the cache's metadata, so every URL that leaves this folder
 * as text goes through `redactUrl`, and free text (an error from a lower layer) through
 * `redactText`. The whole user-info part is hidden: tokens are often passed as the user name.
 */

const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s?#]+@/gi;

export function redactUrl(url: string): string {
  return url.replace(USERINFO, "$1****@");
}

export function redactText(text: string): string {
  return redactUrl(text);
}

export interface SplitCredentials {
  /** The URL without user info, safe to send to fetch() and to key caches by. */
  url: string;
  username?: string;
  password?: string;
}

/** Take user info out of a URL (fetch() refuses URLs with credentials anyway). */
export function splitCredentials(raw: string): SplitCredentials {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { url: raw };
  }
  if (!parsed.username && !parsed.password) return { url: raw };
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = "";
  parsed.password = "";
  return { url: parsed.toString(), username, password };
}
