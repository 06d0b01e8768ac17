import { createHash } from "node:crypto";
import { createDebug } from "../core/debug.ts";
import { CredentialStore } from "./credentials.ts";
import { downloadFile, type DownloadOptions, type DownloadResult } from "./download.ts";
import { HashMismatch, IndexError, IndexPageInvalid, ProjectNotFound } from "./errors.ts";
import { listFindLinks } from "./findLinks.ts";
import { Transport, type FetchLike } from "./http.ts";
import { canonicalizeName } from "../standards/index.ts";
import { filenameMatchesProject } from "./projectName.ts";
import { fetchByteRange, type RangeResult } from "./range.ts";
import { createPageCache } from "./pageCache.ts";
import { PROJECT_ACCEPT, readProjectPage } from "./readPage.ts";
import { redactUrl } from "./redact.ts";
import { orderedIndexes } from "./settings.ts";
import type { DistFile, IndexSettings, ProjectPage } from "./types.ts";
import { pickHash } from "./verifyHash.ts";

/**
 * The index client. Project lookup follows the first-index strategy by default (see settings.ts
 * `orderedIndexes`): indexes are asked in order and the first that has the project supplies all
 * of its files; later indexes are not asked, so a name cannot be hijacked by a later index.
 * With `unsafe-best-match` every index is asked and the pages are merged (see `mergePage`). Find-links files are always added alongside, as in
 * pip and uv.
 */

const debug = createDebug("index");

export interface IndexClientOptions {
  fetch?: FetchLike;
  /** Called once per distinct warning (newer API minor, a missing find-links folder). */
  onWarning?: (message: string) => void;
  retryBaseMs?: number;
  /** Folder of parsed project pages (pageCache.ts); without it every page is parsed anew. */
  pageCacheDir?: string;
}

export interface IndexClient {
  /** The indexes asked, in priority order, redacted for display. */
  readonly indexes: string[];
  /** Answers are shared for the life of the client: treat the page as read-only. */
  getProject(name: string): Promise<ProjectPage>;
  fetchCoreMetadata(file: DistFile): Promise<string>;
  download(file: DistFile, destDir: string, options?: DownloadOptions): Promise<DownloadResult>;
  fetchRange(url: string, start: number, end?: number): Promise<RangeResult>;
  close(): Promise<void>;
}

const METADATA_ACCEPT = "*/*";

/**
 * unsafe-best-match: add a later index's files that no earlier index listed; a file name several
 * indexes list comes from the first. uv instead takes all of a shared version's files from the first
 * index; merging by file name keeps a partial mirror (one platform's wheels of a version) from
 * hiding the other platforms' wheels of that version.
 */
function mergePage(found: ProjectPage, files: DistFile[], versions: string[] | undefined): void {
  const known = new Set(found.files.map((f) => f.filename));
  for (const file of files) if (!known.has(file.filename)) found.files.push(file);
  if (found.versions || versions)
    found.versions = [...new Set([...(found.versions ?? []), ...(versions ?? [])])];
}

function checkMetadataText(body: Buffer, displayUrl: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw new IndexPageInvalid(displayUrl, "the core metadata is not UTF-8 text");
  }
  const headerBlock = text.split(/\r?\n\r?\n/, 1)[0] ?? "";
  if (!/^Name:/im.test(headerBlock) || !/^Version:/im.test(headerBlock)) {
    throw new IndexPageInvalid(displayUrl, "the core metadata has no Name and Version fields");
  }
  return text;
}

export function createIndexClient(settings: IndexSettings, options: IndexClientOptions = {}): IndexClient {
  const indexUrls = orderedIndexes(settings);
  const mergeIndexes = settings.indexStrategy.value === "unsafe-best-match";
  const findLinks = settings.findLinks.value;
  const transport = new Transport({
    timeoutMs: settings.timeoutSec.value * 1000,
    retries: settings.retries.value,
    concurrency: settings.concurrency.value,
    offline: settings.offline.value,
    cacheDir: settings.cacheDir.value,
    credentials: new CredentialStore([...indexUrls, ...findLinks], settings.netrcFile.value),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
  });
  const pageCache = options.pageCacheDir ? createPageCache(options.pageCacheDir) : undefined;
  const parsePage = pageCache ? pageCache.read : readProjectPage;
  const warned = new Set<string>();
  const apiWarned = new Set<string>();
  const warn = (message: string): void => {
    if (warned.has(message)) return;
    warned.add(message);
    (options.onWarning ?? debug)(message);
  };
  // One listing per find-links location per client, shared by concurrent lookups.
  const findLinksListings = new Map<string, Promise<DistFile[]>>();
  const listing = (location: string): Promise<DistFile[]> => {
    let pending = findLinksListings.get(location);
    if (!pending) {
      pending = listFindLinks(location, transport, warn);
      findLinksListings.set(location, pending);
    }
    return pending;
  };

  async function getProject(name: string): Promise<ProjectPage> {
    // Validated first: the name becomes a URL segment and, for file:// indexes, a path.
    const canonical = canonicalizeName(name, { validate: true });
    const tried: string[] = [];
    let found: ProjectPage | undefined;
    for (const indexUrl of indexUrls) {
      const pageUrl = `${indexUrl.replace(/\/+$/, "")}/${encodeURIComponent(canonical)}/`;
      const displayIndex = redactUrl(indexUrl);
      const displayPage = redactUrl(pageUrl);
      tried.push(displayIndex);
      let parsed: Awaited<ReturnType<typeof readProjectPage>> | undefined;
      const page = await transport.getPage(pageUrl, PROJECT_ACCEPT, async (p) => {
        parsed = await parsePage(p, displayPage);
      });
      if (page.status !== 200 || !parsed) {
        debug(`${displayPage}: HTTP ${page.status}, trying the next index`);
        continue;
      }
      // A newer API minor is said once per index, not once per project page.
      if (parsed.warning && !apiWarned.has(indexUrl)) {
        apiWarned.add(indexUrl);
        warn(parsed.warning);
      }
      const files = parsed.files.map((f) => ({ ...f, index: displayIndex }));
      debug(`${name}: ${files.length} file(s) from ${displayIndex} (${page.via})`);
      if (!found) {
        found = { name: parsed.name ?? name, index: displayIndex, files, apiVersion: parsed.apiVersion };
        if (parsed.versions) found.versions = parsed.versions;
        if (!mergeIndexes) break;
        continue;
      }
      mergePage(found, files, parsed.versions);
    }
    const extra: DistFile[] = [];
    const seen = new Set(found?.files.map((f) => f.url));
    for (const location of findLinks) {
      tried.push(redactUrl(location));
      for (const file of await listing(location)) {
        // The same file may be listed by a flat page and by its folder: keep the first (hashed) one.
        if (!filenameMatchesProject(file.filename, canonical) || seen.has(file.url)) continue;
        seen.add(file.url);
        extra.push(file);
      }
    }
    if (!found && extra.length === 0) throw new ProjectNotFound(name, tried);
    if (!found) return { name, index: extra[0]!.index, files: extra, apiVersion: "1.0" };
    found.files.push(...extra);
    return found;
  }

  async function fetchCoreMetadata(file: DistFile): Promise<string> {
    const url = `${file.url}.metadata`;
    const displayUrl = redactUrl(url);
    if (file.coreMetadata === false) {
      throw new IndexError(
        "NO_CORE_METADATA",
        `The index offers no core metadata file for ${file.filename}.`,
        {
          hint: "Read the metadata from the wheel instead (fetchRange or a download).",
        },
      );
    }
    const expected = pickHash(file.coreMetadata.hashes);
    let text = "";
    const page = await transport.getPage(url, METADATA_ACCEPT, (p) => {
      if (expected) {
        const actual = createHash(expected.algorithm).update(p.body).digest("hex");
        if (actual !== expected.digest)
          throw new HashMismatch(displayUrl, expected.algorithm, expected.digest, actual);
      }
      text = checkMetadataText(p.body, displayUrl);
    });
    if (page.status !== 200) {
      throw new IndexPageInvalid(
        displayUrl,
        `the metadata file is advertised but missing (HTTP ${page.status})`,
      );
    }
    return text;
  }

  // One answer per project and per metadata file for the life of a client: a resolver asks for the
  // same names many times, and each repeat would otherwise be a revalidation round trip. Failures
  // are not remembered, so a caller may retry.
  const projects = new Map<string, Promise<ProjectPage>>();
  const metadata = new Map<string, Promise<string>>();
  const memo = <T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> => {
    let pending = map.get(key);
    if (!pending) {
      pending = load();
      map.set(key, pending);
      pending.catch(() => map.delete(key));
    }
    return pending;
  };

  return {
    indexes: indexUrls.map(redactUrl),
    getProject: (name) => memo(projects, canonicalizeName(name), () => getProject(name)),
    fetchCoreMetadata: (file) =>
      memo(metadata, `${file.url}\n${JSON.stringify(file.coreMetadata)}`, () => fetchCoreMetadata(file)),
    download: (file, destDir, downloadOptions) => downloadFile(transport, file, destDir, downloadOptions),
    fetchRange: (url, start, end) => fetchByteRange(transport, url, start, end),
    close: () => transport.close(),
  };
}
