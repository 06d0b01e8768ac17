/**
 * Shapes shared by the index client and its consumers (resolver, installer, `omnipkg index`).
 * A `DistFile` is one downloadable file of a project as one index lists it, with everything the
 * simple API says about it (PEP 503, 592, 658/714, 691, 700).
 */

export type HashMap = Record<string, string>;

export interface DistFile {
  /** The file name: the last path segment of its URL, percent-decoded. */
  filename: string;
  /** Absolute URL, without the hash fragment and without credentials. */
  url: string;
  /** Algorithm → lowercase hex digest, from `#sha256=` fragments or the JSON `hashes`. */
  hashes: HashMap;
  /** The Requires-Python specifier text, HTML-unescaped; undefined when the index gives none. */
  requiresPython: string | undefined;
  /** PEP 592: false, true (yanked without reason) or the reason text. */
  yanked: false | true | string;
  /** PEP 658/714: false, or the hashes of the `<url>.metadata` file (possibly empty). */
  coreMetadata: false | { hashes: HashMap };
  /** PEP 700 upload time (ISO 8601), when the index gives one. */
  uploadTime: string | undefined;
  /** PEP 700 size in bytes, when the index gives one. */
  size: number | undefined;
  /** The index (or find-links location) this file came from, redacted for display. */
  index: string;
}

export interface ProjectPage {
  /** The project name as the index spells it (falls back to the requested name). */
  name: string;
  /** The index that answered, redacted. */
  index: string;
  files: DistFile[];
  /** PEP 700 `versions`, when the JSON API gives them. */
  versions?: string[];
  /** PEP 629 API version of the page ("1.0" when the page does not say). */
  apiVersion: string;
}

/** A parsed page before it is tied to an index: what the HTML and JSON parsers return. */
export interface ParsedPage {
  name: string | undefined;
  files: Omit<DistFile, "index">[];
  versions?: string[];
  apiVersion: string;
}

/** Where a setting's effective value came from: a file path, an env variable, a flag, "default". */
export interface Sourced<T> {
  value: T;
  source: string;
}

export interface IndexSettings {
  /** The default index; undefined with --no-index. */
  indexUrl: Sourced<string | undefined>;
  extraIndexUrls: Sourced<string[]>;
  findLinks: Sourced<string[]>;
  noIndex: Sourced<boolean>;
  /** How several indexes combine (settings.ts `IndexStrategy`). */
  indexStrategy: Sourced<"first-index" | "unsafe-best-match">;
  timeoutSec: Sourced<number>;
  retries: Sourced<number>;
  offline: Sourced<boolean>;
  concurrency: Sourced<number>;
  /** On-disk HTTP cache folder. */
  cacheDir: Sourced<string>;
  /** Where ~/.netrc credentials are read from (undefined: none). */
  netrcFile: Sourced<string | undefined>;
}
