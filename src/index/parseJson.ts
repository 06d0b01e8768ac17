import { checkApiVersion } from "./apiVersion.ts";
import { IndexPageInvalid } from "./errors.ts";
import { HASH_ALGORITHMS, resolveFileLink } from "./fileLink.ts";
import type { DistFile, HashMap, ParsedPage } from "./types.ts";

/**
 * PEP 691 JSON project pages. Traps:
 * - `meta.api-version` is required and checked like the HTML meta tag (PEP 629);
 * - `yanked` is a boolean or a reason string (PEP 592); pip treats an empty string as not yanked;
 * - PEP 714 renamed `dist-info-metadata` to `core-metadata`; read the old key only when the new
 *   one is absent; values are a boolean or a hash dictionary;
 * - PEP 700 adds `versions`, `upload-time` and `size`; older servers omit them;
 * - `url` may be relative to the page URL; hashes come from `hashes`, not the fragment.
 */

export interface JsonPageResult extends ParsedPage {
  warning?: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readHashes(value: unknown, where: string, displayUrl: string): HashMap {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new IndexPageInvalid(displayUrl, `${where} is not an object`);
  const out: HashMap = {};
  for (const [algorithm, digest] of Object.entries(value)) {
    if (typeof digest !== "string")
      throw new IndexPageInvalid(displayUrl, `${where}.${algorithm} is not a string`);
    const alg = algorithm.toLowerCase();
    if (HASH_ALGORITHMS.has(alg) && !/^[0-9a-fA-F]+$/.test(digest)) {
      throw new IndexPageInvalid(displayUrl, `${where}.${algorithm} is not a hex digest`);
    }
    out[alg] = digest.toLowerCase();
  }
  return out;
}

export function parseJsonPage(body: string, pageUrl: string, displayUrl: string): JsonPageResult {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (error) {
    throw new IndexPageInvalid(displayUrl, `the JSON does not parse (${(error as Error).message})`);
  }
  if (!isObject(data)) throw new IndexPageInvalid(displayUrl, "the JSON is not an object");
  const meta = data.meta;
  const apiVersion = isObject(meta) ? meta["api-version"] : undefined;
  if (typeof apiVersion !== "string") throw new IndexPageInvalid(displayUrl, "meta.api-version is missing");
  const warning = checkApiVersion(apiVersion, displayUrl);
  if (!Array.isArray(data.files)) throw new IndexPageInvalid(displayUrl, 'the "files" list is missing');

  const files: Omit<DistFile, "index">[] = data.files.map((entry: unknown, i: number) => {
    const where = `files[${i}]`;
    if (!isObject(entry)) throw new IndexPageInvalid(displayUrl, `${where} is not an object`);
    if (typeof entry.url !== "string" || typeof entry.filename !== "string") {
      throw new IndexPageInvalid(displayUrl, `${where} lacks a "url" or "filename" string`);
    }
    const link = resolveFileLink(entry.url, pageUrl, displayUrl);
    const hashes = { ...link.hashes, ...readHashes(entry.hashes, `${where}.hashes`, displayUrl) };
    const rp = entry["requires-python"];
    if (rp !== undefined && rp !== null && typeof rp !== "string") {
      throw new IndexPageInvalid(displayUrl, `${where}.requires-python is not a string`);
    }
    const y = entry.yanked;
    if (y !== undefined && typeof y !== "boolean" && typeof y !== "string") {
      throw new IndexPageInvalid(displayUrl, `${where}.yanked is not a boolean or a string`);
    }
    const m = "core-metadata" in entry ? entry["core-metadata"] : entry["dist-info-metadata"];
    let coreMetadata: DistFile["coreMetadata"] = false;
    if (m === true) coreMetadata = { hashes: {} };
    else if (isObject(m)) coreMetadata = { hashes: readHashes(m, `${where}.core-metadata`, displayUrl) };
    else if (m !== undefined && m !== false && m !== null) {
      throw new IndexPageInvalid(displayUrl, `${where}.core-metadata is not a boolean or an object`);
    }
    const uploadTime = entry["upload-time"];
    const size = entry.size;
    return {
      filename: entry.filename,
      url: link.url,
      hashes,
      requiresPython: typeof rp === "string" && rp.trim() !== "" ? rp : undefined,
      // pip reads an empty reason string in JSON as "not yanked" (unlike HTML's empty attribute).
      yanked: y === undefined || y === false || y === "" ? false : y === true ? true : y,
      coreMetadata,
      uploadTime: typeof uploadTime === "string" ? uploadTime : undefined,
      size: typeof size === "number" && Number.isFinite(size) ? size : undefined,
    };
  });

  const result: JsonPageResult = {
    name: typeof data.name === "string" ? data.name : undefined,
    files,
    apiVersion: apiVersion.trim(),
  };
  if (Array.isArray(data.versions))
    result.versions = data.versions.filter((v): v is string => typeof v === "string");
  if (warning) result.warning = warning;
  return result;
}
