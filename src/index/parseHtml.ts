import { Parser } from "htmlparser2";
import { checkApiVersion } from "./apiVersion.ts";
import { parseMetadataAttribute, resolveFileLink } from "./fileLink.ts";
import type { DistFile, ParsedPage } from "./types.ts";

/**
 * PEP 503 project pages (and flat find-links pages, which have the same anchors). Traps:
 * - attribute values are HTML-escaped (`data-requires-python="&gt;=3.8"`); htmlparser2 decodes them;
 * - PEP 592: `data-yanked` present means yanked, its value (possibly empty) is the reason;
 * - PEP 714: `data-core-metadata` is the name, `data-dist-info-metadata` the older one, read only
 *   when the new one is absent;
 * - PEP 629: `<meta name="pypi:repository-version">`; absent means 1.0;
 * - `<base href>` changes what relative links resolve against.
 */

interface Anchor {
  attributes: Record<string, string>;
}

export interface HtmlPageResult extends ParsedPage {
  warning?: string;
}

export function parseHtmlPage(body: string, pageUrl: string, displayUrl: string): HtmlPageResult {
  const anchors: Anchor[] = [];
  let apiVersion: string | undefined;
  let baseHref: string | undefined;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === "a" && attributes.href !== undefined) anchors.push({ attributes });
        else if (name === "meta" && attributes.name === "pypi:repository-version") {
          apiVersion = attributes.content ?? "";
        } else if (name === "base" && attributes.href !== undefined && baseHref === undefined) {
          baseHref = attributes.href;
        }
      },
    },
    { decodeEntities: true, lowerCaseAttributeNames: true },
  );
  parser.write(body);
  parser.end();

  const warning = apiVersion === undefined ? undefined : checkApiVersion(apiVersion, displayUrl);
  let base = pageUrl;
  if (baseHref !== undefined) {
    try {
      base = new URL(baseHref, pageUrl).toString();
    } catch {
      // An unusable <base> is ignored, as browsers and pip do.
    }
  }
  const files: Omit<DistFile, "index">[] = [];
  for (const { attributes } of anchors) {
    const link = resolveFileLink(attributes.href!, base, displayUrl);
    if (!link.filename) continue;
    const requiresPython = attributes["data-requires-python"];
    const yanked = attributes["data-yanked"];
    const metadata = attributes["data-core-metadata"] ?? attributes["data-dist-info-metadata"];
    const uploadTime = attributes["data-upload-time"];
    files.push({
      filename: link.filename,
      url: link.url,
      hashes: link.hashes,
      requiresPython:
        requiresPython === undefined || requiresPython.trim() === "" ? undefined : requiresPython,
      yanked: yanked === undefined ? false : yanked === "" ? true : yanked,
      coreMetadata: metadata === undefined ? false : parseMetadataAttribute(metadata, displayUrl),
      uploadTime: uploadTime || undefined,
      size: undefined,
    });
  }
  const result: HtmlPageResult = { name: undefined, files, apiVersion: apiVersion?.trim() ?? "1.0" };
  if (warning) result.warning = warning;
  return result;
}
