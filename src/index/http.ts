import pLimit, { type LimitFunction } from "p-limit";
import type { Agent } from "undici";
import { createDebug } from "../core/debug.ts";
import { errnoCode } from "../core/errors.ts";
import type { CredentialStore } from "./credentials.ts";
import { IndexError, IndexUnreachable } from "./errors.ts";
import { fetchPage } from "./fetchPage.ts";
import { HttpCache } from "./httpCache.ts";
import { redactText } from "./redact.ts";

/**
 * The one place that talks to servers and to file:// locations. It owns:
 * - keep-alive connections (one undici Agent per client) and a cap on requests in flight;
 * - an inactivity timeout (no bytes for `timeoutMs` aborts, like pip's socket timeout, so a large
 *   download is not cut off while it still makes progress);
 * - retries with exponential back-off and jitter on 5xx/429 answers, connection resets and
 *   timeouts (honouring a short Retry-After);
 * - the HTTP cache and offline mode for pages and metadata files (fetchPage.ts).
 * A 404/410 is an answer, not an error: the caller moves on to the next index.
 */

const debug = createDebug("index");

export type FetchLike = (url: string, init: RequestInit & { dispatcher?: unknown }) => Promise<Response>;

export interface TransportOptions {
  timeoutMs: number;
  retries: number;
  concurrency: number;
  offline: boolean;
  cacheDir: string | undefined;
  credentials: CredentialStore;
  fetch?: FetchLike;
  /** First back-off delay; doubles per attempt. */
  retryBaseMs?: number;
  userAgent?: string;
}

export interface PageResponse {
  status: number;
  body: Buffer;
  finalUrl: string;
  contentType: string;
  /** How the cache took part: "fresh" (no request), "revalidated" (304), "offline", or "network". */
  via: "fresh" | "revalidated" | "offline" | "network" | "file";
}

class TimeoutAbort extends Error {}

export const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof TimeoutAbort) return `no data for ${timeoutMs / 1000}s (timed out)`;
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const code = errnoCode(cause);
  const message = cause instanceof Error ? cause.message : String(cause);
  return redactText(code && !message.includes(code) ? `${message} (${code})` : message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class Transport {
  readonly options: TransportOptions;
  readonly limit: LimitFunction;
  private readonly injectedFetch: FetchLike | undefined;
  /** undici costs ~50 ms to load: only a command that really goes to the network pays it. */
  private network: Promise<{ fetch: FetchLike; agent: Agent }> | undefined;
  readonly cache: HttpCache | undefined;

  constructor(options: TransportOptions) {
    this.options = options;
    this.limit = pLimit(Math.max(1, options.concurrency));
    this.injectedFetch = options.fetch;
    this.cache = options.cacheDir ? new HttpCache(options.cacheDir) : undefined;
  }

  private loadNetwork(): Promise<{ fetch: FetchLike; agent: Agent }> {
    this.network ??= import("undici").then((undici) => ({
      fetch: undici.fetch as unknown as FetchLike,
      agent: new undici.Agent({
        keepAliveTimeout: 10_000,
        connections: Math.max(1, this.options.concurrency),
        headersTimeout: 0,
        bodyTimeout: 0,
      }),
    }));
    return this.network;
  }

  /** Closes idle keep-alive connections. */
  async close(): Promise<void> {
    if (this.network) await (await this.network).agent.close();
  }

  backoffMs(attempt: number, retryAfter: string | null): number {
    const seconds = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
    if (seconds !== undefined && seconds <= 10) return seconds * 1000;
    const base = this.options.retryBaseMs ?? 250;
    const delay = Math.min(base * 2 ** attempt, 8_000);
    return delay / 2 + Math.random() * (delay / 2);
  }

  /**
   * One request with an inactivity timer. `kick()` re-arms the timer (call it per body chunk);
   * `done()` disarms it.
   */
  async open(
    url: string,
    headers: Record<string, string>,
  ): Promise<{ response: Response; kick: () => void; done: () => void }> {
    const auth = this.options.credentials.authorize(url);
    const controller = new AbortController();
    const { timeoutMs } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const kick = (): void => {
      clearTimeout(timer);
      if (timeoutMs > 0) timer = setTimeout(() => controller.abort(new TimeoutAbort()), timeoutMs);
    };
    const done = (): void => clearTimeout(timer);
    kick();
    const allHeaders: Record<string, string> = {
      "user-agent": this.options.userAgent ?? "omnipkg",
      ...headers,
    };
    if (auth.authorization) allHeaders.authorization = auth.authorization;
    try {
      const network = this.injectedFetch ? undefined : await this.loadNetwork();
      const fetchImpl = this.injectedFetch ?? network!.fetch;
      const response = await fetchImpl(auth.url, {
        method: "GET",
        headers: allHeaders,
        redirect: "follow",
        signal: controller.signal,
        ...(network ? { dispatcher: network.agent } : {}),
      });
      kick();
      return { response, kick, done };
    } catch (error) {
      done();
      throw controller.signal.reason instanceof TimeoutAbort ? controller.signal.reason : error;
    }
  }

  /** Run `attempt` with retries on network failures and retryable statuses. */
  async withRetries<T>(
    displayUrl: string,
    attempt: () => Promise<{ retryStatus?: number; retryAfter?: string | null; value?: T }>,
  ): Promise<T> {
    const { retries, timeoutMs } = this.options;
    for (let n = 0; ; n++) {
      let outcome: { retryStatus?: number; retryAfter?: string | null; value?: T };
      try {
        outcome = await attempt();
      } catch (error) {
        if (error instanceof IndexError) throw error;
        const detail = describeFailure(error, timeoutMs);
        if (n < retries) {
          debug(`retrying ${displayUrl} after: ${detail}`);
          await sleep(this.backoffMs(n, null));
          continue;
        }
        throw new IndexUnreachable(displayUrl, `${detail}, after ${n + 1} attempt(s)`, undefined, {
          cause: error,
        });
      }
      if (outcome.retryStatus !== undefined) {
        if (n < retries) {
          debug(`retrying ${displayUrl} after HTTP ${outcome.retryStatus}`);
          await sleep(this.backoffMs(n, outcome.retryAfter ?? null));
          continue;
        }
        throw new IndexUnreachable(
          displayUrl,
          `the server answered HTTP ${outcome.retryStatus}, after ${n + 1} attempt(s)`,
          outcome.retryStatus,
        );
      }
      return outcome.value as T;
    }
  }

  /** A page or metadata file: see fetchPage.ts. */
  getPage(
    url: string,
    accept: string,
    validate: (page: PageResponse) => void | Promise<void>,
  ): Promise<PageResponse> {
    return fetchPage(this, url, accept, validate);
  }
}
