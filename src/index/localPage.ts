import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { errnoCode } from "../core/errors.ts";
import { IndexUnreachable } from "./errors.ts";
import type { PageResponse } from "./http.ts";
import { redactUrl } from "./redact.ts";

/**
 * A file:// page. A folder stands for its index.html (how local PEP 503 mirrors are laid out);
 * its URL gets a trailing slash so relative links resolve inside it.
 *
 * Read with blocking calls on purpose: a page is a few KB on a local disk, and the promise-based
 * fs pays a thread-pool hop (and a FileHandle) per call, which cost more than the read itself for
 * the sixty-odd pages of a twenty-package resolution against three local indexes.
 */
export async function readLocalPage(url: string): Promise<PageResponse> {
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch {
    throw new IndexUnreachable(redactUrl(url), "it is not a valid file URL");
  }
  let finalUrl = url;
  const missing: PageResponse = {
    status: 404,
    body: Buffer.alloc(0),
    finalUrl,
    contentType: "",
    via: "file",
  };
  try {
    // A project missing from one of several indexes is common: no exception for that case.
    const info = statSync(path, { throwIfNoEntry: false });
    if (info === undefined) return missing;
    if (info.isDirectory()) {
      path = join(path, "index.html");
      if (!finalUrl.endsWith("/")) finalUrl += "/";
    }
    const body = readFileSync(path);
    const contentType = path.endsWith(".json") ? "application/vnd.pypi.simple.v1+json" : "text/html";
    return { status: 200, body, finalUrl, contentType, via: "file" };
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return missing;
    throw new IndexUnreachable(redactUrl(url), `it cannot be read (${code ?? String(error)})`);
  }
}
