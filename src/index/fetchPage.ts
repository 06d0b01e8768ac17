import { createDebug } from "../core/debug.ts";
import { IndexUnreachable, OfflineCacheMiss } from "./errors.ts";
import { parseFreshness } from "./httpCache.ts";
import { RETRY_STATUSES, type PageResponse, type Transport } from "./http.ts";
import { readLocalPage } from "./localPage.ts";
import { redactUrl } from "./redact.ts";

/**
 * Pages and metadata files through the HTTP cache: a fresh entry answers without a request, a
 * stale one is revalidated (If-None-Match / If-Modified-Since; a 304 reuses the stored body),
 * offline mode answers from any entry or fails. `validate` runs before anything is stored, so a
 * malformed or tampered body is never cached. 404/410 are answers (the caller tries the next
 * index) and are remembered too, so offline lookups can skip an index that lacks a project.
 */

const debug = createDebug("index");

/** A page or metadata file: from disk for file://, else through the cache and the network. */
export async function fetchPage(
  transport: Transport,
  url: string,
  accept: string,
  validate: (page: PageResponse) => void | Promise<void>,
): Promise<PageResponse> {
  if (url.startsWith("file:")) {
    const page = await readLocalPage(url);
    if (page.status === 200) await validate(page);
    return page;
  }
  const displayUrl = redactUrl(url);
  const cleanUrl = transport.options.credentials.authorize(url).url;
  const cached = transport.cache?.get(cleanUrl, accept);
  const fromCache = (via: PageResponse["via"]): PageResponse => ({
    status: cached!.entry.status ?? 200,
    body: cached!.body,
    finalUrl: cached!.entry.finalUrl,
    contentType: cached!.entry.contentType,
    via,
  });
  if (transport.options.offline) {
    if (!cached) throw new OfflineCacheMiss(displayUrl);
    const page = fromCache("offline");
    if (page.status === 200) await validate(page);
    return page;
  }
  if (cached && cached.entry.freshUntilMs > Date.now()) {
    const page = fromCache("fresh");
    if (page.status === 200) await validate(page);
    return page;
  }
  const conditional = cached && (cached.entry.status ?? 200) === 200 ? cached : undefined;
  return transport.limit(() =>
    transport.withRetries<PageResponse>(displayUrl, async () => {
      const headers: Record<string, string> = { accept };
      if (conditional?.entry.etag) headers["if-none-match"] = conditional.entry.etag;
      if (conditional?.entry.lastModified) headers["if-modified-since"] = conditional.entry.lastModified;
      const { response, kick, done } = await transport.open(url, headers);
      try {
        if (RETRY_STATUSES.has(response.status)) {
          await response.body?.cancel().catch(() => {});
          return { retryStatus: response.status, retryAfter: response.headers.get("retry-after") };
        }
        const now = Date.now();
        if (response.status === 304 && conditional) {
          await response.body?.cancel().catch(() => {});
          const fresh = parseFreshness(response.headers, now);
          const page = fromCache("revalidated");
          await validate(page);
          const etag = response.headers.get("etag") ?? conditional.entry.etag;
          // Rewrite the entry only when the 304 changed something worth keeping: with
          // `max-age=0` (every answer stale at once) a warm run then writes nothing at all.
          if (fresh.freshForMs > 0 || etag !== conditional.entry.etag) {
            safely(() =>
              transport.cache!.refresh(cleanUrl, accept, conditional, {
                freshUntilMs: now + fresh.freshForMs,
                ...(etag ? { etag } : {}),
              }),
            );
          }
          return { value: page };
        }
        const chunks: Buffer[] = [];
        if (response.body) {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            chunks.push(Buffer.from(chunk));
            kick();
          }
        }
        const page: PageResponse = {
          status: response.status,
          body: Buffer.concat(chunks),
          finalUrl: response.url || cleanUrl,
          contentType: response.headers.get("content-type") ?? "",
          via: "network",
        };
        const missing = response.status === 404 || response.status === 410;
        if (!missing && response.status !== 200) {
          throw new IndexUnreachable(
            displayUrl,
            `the server answered HTTP ${response.status}`,
            response.status,
          );
        }
        if (!missing) await validate(page);
        const fresh = parseFreshness(response.headers, now);
        if (transport.cache && fresh.store) {
          const etag = response.headers.get("etag");
          const lastModified = response.headers.get("last-modified");
          safely(() =>
            transport.cache!.put(
              cleanUrl,
              accept,
              {
                status: page.status,
                finalUrl: page.finalUrl,
                contentType: page.contentType,
                ...(etag ? { etag } : {}),
                ...(lastModified ? { lastModified } : {}),
                freshUntilMs: now + fresh.freshForMs,
                storedAtMs: now,
              },
              page.body,
            ),
          );
        }
        return { value: page };
      } finally {
        done();
      }
    }),
  );
}

function safely(write: () => void): void {
  try {
    write();
  } catch (error) {
    // The cache is an optimisation: a full disk or a read-only home must not fail the command.
    debug(`cache write failed: ${(error as Error).message}`);
  }
}
