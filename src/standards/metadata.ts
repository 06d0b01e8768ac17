/**
 * Core metadata (METADATA / PKG-INFO, versions 1.0 to 2.4): an RFC 822 header block read the way
 * Python's `email` parser (compat32 policy) and `packaging.metadata.parse_email` read it.
 *
 * Traps:
 * - Folded lines (starting with space or tab) continue the previous header; the fold is kept
 *   verbatim ("line\n        |more", the old way of embedding a Description).
 * - The header block ends at the first empty line, or at the first line that is neither a header
 *   nor a fold; the rest is the body, which is the Description from Metadata 2.1 on.
 * - Single-value fields that appear twice are not trusted (they go to `unparsed`), as packaging does.
 * - Header names are case-insensitive; values keep their case; leading spaces/tabs after ":" go.
 * - Metadata-Version with a higher major version than 2 must be rejected; a higher minor accepted.
 */
import { InvalidMetadata, quote } from "./errors.ts";
import type { Requirement } from "./requirement.ts";
import { parseRequirement } from "./requirement.ts";
import { SpecifierSet } from "./specifier.ts";
import { isValidVersion, parseVersion, type Version } from "./version.ts";

const STRING_FIELDS: Record<string, string> = {
  author: "author",
  "author-email": "authorEmail",
  description: "description",
  "description-content-type": "descriptionContentType",
  "download-url": "downloadUrl",
  "home-page": "homePage",
  license: "license",
  "license-expression": "licenseExpression",
  maintainer: "maintainer",
  "maintainer-email": "maintainerEmail",
  "metadata-version": "metadataVersion",
  name: "name",
  "requires-python": "requiresPython",
  summary: "summary",
  version: "version",
};
const LIST_FIELDS: Record<string, string> = {
  classifier: "classifiers",
  dynamic: "dynamic",
  "license-file": "licenseFiles",
  obsoletes: "obsoletes",
  "obsoletes-dist": "obsoletesDist",
  platform: "platforms",
  provides: "provides",
  "provides-dist": "providesDist",
  "provides-extra": "providesExtra",
  requires: "requires",
  "requires-dist": "requiresDist",
  "requires-external": "requiresExternal",
  "supported-platform": "supportedPlatforms",
};

export interface CoreMetadata {
  metadataVersion: string;
  name: string;
  version: string;
  summary?: string;
  description?: string;
  descriptionContentType?: string;
  requiresPython?: string;
  requiresDist: string[];
  providesExtra: string[];
  keywords?: string[];
  projectUrls?: Record<string, string>;
  author?: string;
  authorEmail?: string;
  maintainer?: string;
  maintainerEmail?: string;
  license?: string;
  licenseExpression?: string;
  licenseFiles?: string[];
  homePage?: string;
  downloadUrl?: string;
  classifiers?: string[];
  dynamic?: string[];
  platforms?: string[];
  supportedPlatforms?: string[];
  providesDist?: string[];
  obsoletesDist?: string[];
  requiresExternal?: string[];
  requires?: string[];
  provides?: string[];
  obsoletes?: string[];
  /** Fields we did not take (unknown names, duplicated single fields), lower-cased name → values. */
  unparsed: Record<string, string[]>;
}

/** Header block and body, split as Python's email feedparser does. */
export function parseHeaders(text: string): { headers: [string, string][]; body: string } {
  const lines = text.split(/\r\n|\r|\n/);
  const headers: [string, string][] = [];
  let current: { name: string; lines: string[] } | null = null;
  const flush = (): void => {
    if (current) headers.push([current.name, current.lines.join("\n").replace(/[\r\n]+$/, "")]);
    current = null;
  };
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") {
      i++;
      break;
    }
    if (line[0] === " " || line[0] === "\t") {
      if (current) (current as { lines: string[] }).lines.push(line);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0 || !/^[\x21-\x39\x3b-\x7e]*$/.test(line.slice(0, colon))) break;
    flush();
    current = { name: line.slice(0, colon), lines: [line.slice(colon + 1).replace(/^[ \t]+/, "")] };
  }
  flush();
  return { headers, body: lines.slice(i).join("\n") };
}

function parseKeywords(value: string): string[] {
  return value.split(",").map((k) => k.trim());
}

function parseProjectUrls(values: string[]): Record<string, string> | undefined {
  const urls: Record<string, string> = {};
  for (const v of values) {
    // packaging splits at the first comma only, and rejects a label given twice.
    const comma = v.indexOf(",");
    const label = (comma < 0 ? v : v.slice(0, comma)).trim();
    const url = comma < 0 ? "" : v.slice(comma + 1).trim();
    if (Object.prototype.hasOwnProperty.call(urls, label)) return undefined;
    urls[label] = url;
  }
  return urls;
}

/**
 * Parse METADATA/PKG-INFO text. Name, Version and Metadata-Version are required and checked
 * (InvalidMetadata names the field and quotes the value); other fields are returned as written.
 */
export function parseCoreMetadata(text: string): CoreMetadata {
  const { headers, body } = parseHeaders(text);
  const grouped = new Map<string, string[]>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const list = grouped.get(key);
    if (list) list.push(value);
    else grouped.set(key, [value]);
  }
  const out: Record<string, unknown> = { requiresDist: [], providesExtra: [] };
  const unparsed: Record<string, string[]> = {};
  for (const [key, values] of grouped) {
    const stringField = STRING_FIELDS[key];
    const listField = LIST_FIELDS[key];
    if (stringField !== undefined && values.length === 1) out[stringField] = values[0];
    else if (listField !== undefined) out[listField] = values;
    else if (key === "keywords" && values.length === 1) out.keywords = parseKeywords(values[0]!);
    else if (key === "project-url") {
      const urls = parseProjectUrls(values);
      if (urls === undefined) unparsed[key] = values;
      else out.projectUrls = urls;
    } else unparsed[key] = values;
  }
  if (body !== "") {
    if (typeof out.description === "string") {
      unparsed.description = [out.description, body];
      delete out.description;
    } else if (unparsed.description) unparsed.description.push(body);
    else out.description = body;
  }
  out.unparsed = unparsed;
  const meta = out as unknown as CoreMetadata;
  checkRequired(meta);
  return meta;
}

function checkRequired(meta: CoreMetadata): void {
  const mv = meta.metadataVersion;
  if (mv === undefined)
    throw new InvalidMetadata("Core metadata has no Metadata-Version field.", "metadata-version");
  const m = /^([0-9]+)\.([0-9]+)$/.exec(mv.trim());
  if (m === null || Number(m[1]) > 2 || Number(m[1]) < 1) {
    throw new InvalidMetadata(
      `Unsupported Metadata-Version ${quote(mv)}; omnipkg reads 1.0 to 2.4.`,
      "metadata-version",
    );
  }
  if (meta.name === undefined || meta.name.trim() === "") {
    throw new InvalidMetadata("Core metadata has no Name field.", "name");
  }
  if (meta.version === undefined)
    throw new InvalidMetadata(`Core metadata of ${quote(meta.name)} has no Version field.`, "version");
  if (!isValidVersion(meta.version)) {
    throw new InvalidMetadata(
      `Core metadata of ${quote(meta.name)} has an invalid Version ${quote(meta.version)}.`,
      "version",
    );
  }
}

/** The Version field, parsed. */
export function metadataVersionOf(meta: CoreMetadata): Version {
  return parseVersion(meta.version);
}

/** Requires-Dist lines as requirements; InvalidMetadata quotes the first bad line. */
export function parseRequiresDist(meta: CoreMetadata): Requirement[] {
  return meta.requiresDist.map((line) => {
    try {
      return parseRequirement(line);
    } catch {
      throw new InvalidMetadata(
        `Invalid Requires-Dist ${quote(line)} in the metadata of ${quote(meta.name)}.`,
        "requires-dist",
      );
    }
  });
}

/** Requires-Python as a specifier set (empty when absent); InvalidMetadata when malformed. */
export function parseRequiresPython(meta: CoreMetadata): SpecifierSet {
  try {
    return new SpecifierSet(meta.requiresPython ?? "");
  } catch {
    throw new InvalidMetadata(
      `Invalid Requires-Python ${quote(meta.requiresPython ?? "")} in the metadata of ${quote(meta.name)}.`,
      "requires-python",
    );
  }
}
