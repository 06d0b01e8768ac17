import { IndexApiUnsupported, IndexPageInvalid } from "./errors.ts";
import type { PageResponse } from "./http.ts";
import { parseJsonPage } from "./parseJson.ts";
import type { ParsedPage } from "./types.ts";

/**
 * PEP 691 content negotiation: ask for JSON first, HTML as a fallback, and then believe the
 * Content-Type the server actually sent (a server may ignore Accept). Unknown types are an error
 * rather than a guess, except a missing type, which is sniffed (static file servers omit it).
 */
export const PROJECT_ACCEPT =
  "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";
export const FLAT_ACCEPT = "text/html, application/vnd.pypi.simple.v1+html;q=0.5";

export interface ReadPageResult extends ParsedPage {
  warning?: string;
}

/**
 * The HTML parser (htmlparser2, whose entity tables take milliseconds to set up) is loaded on the
 * first HTML page actually parsed: a warm run answers every page from the page cache.
 */
export async function parseHtmlText(text: string, finalUrl: string, displayUrl: string): Promise<ParsedPage> {
  return (await import("./parseHtml.ts")).parseHtmlPage(text, finalUrl, displayUrl);
}

export async function readProjectPage(page: PageResponse, displayUrl: string): Promise<ReadPageResult> {
  const type = page.contentType.split(";")[0]!.trim().toLowerCase();
  const versioned = /^application\/vnd\.pypi\.simple\.v(\d+)\+/.exec(type);
  if (versioned && Number(versioned[1]) !== 1) throw new IndexApiUnsupported(displayUrl, `${versioned[1]}.x`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(page.body);
  } catch {
    throw new IndexPageInvalid(displayUrl, "the page is not UTF-8 text");
  }
  const finalUrl = page.finalUrl;
  if (type.endsWith("+json") || type === "application/json") return parseJsonPage(text, finalUrl, displayUrl);
  if (type.endsWith("+html") || type === "text/html" || type === "application/xhtml+xml") {
    return parseHtmlText(text, finalUrl, displayUrl);
  }
  if (type === "") {
    return text.trimStart().startsWith("{")
      ? parseJsonPage(text, finalUrl, displayUrl)
      : parseHtmlText(text, finalUrl, displayUrl);
  }
  throw new IndexPageInvalid(displayUrl, `the server sent "${type}", not an HTML or JSON simple page`);
}
