import { lookupNetrc, readNetrc, type Netrc } from "./netrc.ts";
import { splitCredentials } from "./redact.ts";

/**
 * Which credentials go with a request. Like pip: user info written in a URL wins, then user info
 * from a configured index URL on the same host (so file links on that host authenticate too), then
 * ~/.netrc. The URL handed to fetch never carries credentials; they travel in one header.
 */
export interface AuthorizedUrl {
  url: string;
  authorization?: string;
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

export class CredentialStore {
  private readonly byHost = new Map<string, { username: string; password: string }>();
  private netrc: Netrc | undefined;
  private readonly netrcFile: string | undefined;

  constructor(indexUrls: string[], netrcFile: string | undefined) {
    this.netrcFile = netrcFile;
    for (const raw of indexUrls) {
      const split = splitCredentials(raw);
      if (split.username === undefined) continue;
      try {
        const host = new URL(split.url).host.toLowerCase();
        if (!this.byHost.has(host)) {
          this.byHost.set(host, { username: split.username, password: split.password ?? "" });
        }
      } catch {
        // not a URL (a find-links folder): nothing to remember
      }
    }
  }

  authorize(raw: string): AuthorizedUrl {
    const split = splitCredentials(raw);
    if (split.username !== undefined) {
      return { url: split.url, authorization: basic(split.username, split.password ?? "") };
    }
    let parsed: URL;
    try {
      parsed = new URL(split.url);
    } catch {
      return { url: split.url };
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return { url: split.url };
    const known = this.byHost.get(parsed.host.toLowerCase());
    if (known) return { url: split.url, authorization: basic(known.username, known.password) };
    this.netrc ??= readNetrc(this.netrcFile);
    const entry = lookupNetrc(this.netrc, parsed.hostname);
    if (entry && (entry.login || entry.password)) {
      return { url: split.url, authorization: basic(entry.login, entry.password) };
    }
    return { url: split.url };
  }
}
