import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { errnoCode } from "../core/errors.ts";
import type { Transport } from "./http.ts";
import { isDistributionFilename } from "./projectName.ts";
import { FLAT_ACCEPT, parseHtmlText } from "./readPage.ts";
import { redactUrl } from "./redact.ts";
import type { DistFile } from "./types.ts";

/**
 * `--find-links` locations: a local folder of distribution files, a local or remote flat HTML page
 * of links (pip's format), or a file:// URL of either. Each is listed once per client and every
 * project's lookup filters the listing. A missing location is a warning, not an error, as in pip.
 */

function isUrl(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

function localFile(path: string, index: string): DistFile {
  const filename = path.split("/").pop()!;
  return {
    filename,
    url: pathToFileURL(path).toString(),
    hashes: {},
    requiresPython: undefined,
    yanked: false,
    coreMetadata: false,
    uploadTime: undefined,
    size: undefined,
    index,
  };
}

export async function listFindLinks(
  location: string,
  transport: Transport,
  warn: (message: string) => void,
): Promise<DistFile[]> {
  const index = redactUrl(location);
  if (isUrl(location) && !location.startsWith("file:")) {
    const page = await transport.getPage(location, FLAT_ACCEPT, async (p) => {
      await parseHtmlText(p.body.toString("utf8"), p.finalUrl, index);
    });
    if (page.status !== 200) {
      warn(`The find-links page ${index} does not exist (HTTP ${page.status}); skipping it.`);
      return [];
    }
    const parsed = await parseHtmlText(page.body.toString("utf8"), page.finalUrl, index);
    return parsed.files.filter((f) => isDistributionFilename(f.filename)).map((f) => ({ ...f, index }));
  }
  const path = location.startsWith("file:") ? fileURLToPath(location) : resolve(location);
  try {
    // Blocking calls, as for file:// pages (localPage.ts): the first promise-based fs call of a
    // process costs milliseconds of setup, more than listing a local folder.
    const info = statSync(path);
    if (info.isDirectory()) {
      const names = readdirSync(path);
      return names
        .filter(isDistributionFilename)
        .sort()
        .map((name) => localFile(join(path, name), index));
    }
    const text = readFileSync(path, "utf8");
    const parsed = await parseHtmlText(text, pathToFileURL(path).toString(), index);
    return parsed.files.filter((f) => isDistributionFilename(f.filename)).map((f) => ({ ...f, index }));
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") {
      warn(`The find-links location ${index} does not exist; skipping it.`);
      return [];
    }
    throw error;
  }
}
