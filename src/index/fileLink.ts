import { IndexPageInvalid } from "./errors.ts";
import type { HashMap } from "./types.ts";

/**
 * Helpers shared by the HTML and JSON parsers. Traps:
 * - hrefs are relative to the page's final URL (after redirects), or to `<base href>` in HTML;
 * - the file name is the URL's last path segment, percent-decoded, not the anchor text;
 * - the hash lives in the fragment (`#sha256=<hex>`) and must be cut from the URL that is fetched;
 * - only hashlib's guaranteed algorithms are meaningful; other fragments (`#egg=`) are ignored.
 */

export const HASH_ALGORITHMS = new Set(["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]);

export interface ResolvedLink {
  url: string;
  filename: string;
  hashes: HashMap;
}

export function resolveFileLink(href: string, baseUrl: string, displayUrl: string): ResolvedLink {
  let url: URL;
  try {
    url = new URL(href, baseUrl);
  } catch {
    throw new IndexPageInvalid(displayUrl, `the link "${href}" is not a valid URL`);
  }
  const hashes: HashMap = {};
  const fragment = url.hash.replace(/^#/, "");
  if (fragment) {
    const match = /^([a-z0-9]+)=(.*)$/i.exec(fragment);
    if (match && HASH_ALGORITHMS.has(match[1]!.toLowerCase())) {
      const digest = match[2]!.toLowerCase();
      if (!/^[0-9a-f]+$/.test(digest)) {
        throw new IndexPageInvalid(displayUrl, `the link "${href}" has a malformed ${match[1]} hash`);
      }
      hashes[match[1]!.toLowerCase()] = digest;
    }
  }
  url.hash = "";
  const segments = url.pathname.split("/");
  let filename = segments[segments.length - 1] ?? "";
  try {
    filename = decodeURIComponent(filename);
  } catch {
    // keep the raw segment: a stray % is not worth failing a whole page over
  }
  return { url: url.toString(), filename, hashes };
}

/** `"true"`, `"sha256=<hex>"` (PEP 658 attribute values) → metadata availability. */
export function parseMetadataAttribute(value: string, displayUrl: string): false | { hashes: HashMap } {
  const v = value.trim();
  if (v === "" || v.toLowerCase() === "true") return { hashes: {} };
  if (v.toLowerCase() === "false") return false;
  const match = /^([a-z0-9]+)=([0-9a-fA-F]+)$/i.exec(v);
  if (!match) throw new IndexPageInvalid(displayUrl, `the core-metadata value "${v}" is not "<hash>=<hex>"`);
  return { hashes: { [match[1]!.toLowerCase()]: match[2]!.toLowerCase() } };
}
