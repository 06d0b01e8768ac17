import { fsPromises } from "../core/lazyBuiltins.ts";
import { fileURLToPath } from "node:url";
import { errnoCode } from "../core/errors.ts";
import { IndexError, IndexUnreachable, OfflineCacheMiss } from "./errors.ts";
import type { Transport } from "./http.ts";
import { redactUrl } from "./redact.ts";

/**
 * HTTP range reads, for reading a wheel's central directory (its tail) when the index offers no
 * metadata file. `start`/`end` are inclusive byte offsets; a negative `start` with no `end` asks
 * for the last `-start` bytes. A server that answers 200 instead of 206 does not support ranges:
 * the body is not read (it may be the whole file) and `supported` is false, so the caller can fall
 * back to a full download.
 */

export interface RangeResult {
  supported: boolean;
  /** The bytes returned (only when supported). */
  bytes?: Buffer;
  /** Offset of the first returned byte. */
  start?: number;
  /** Size of the whole file, from Content-Range, when the server says. */
  totalSize?: number;
}

function rangeHeader(start: number, end: number | undefined): string {
  if (start < 0 && end === undefined) return `bytes=${start}`;
  return `bytes=${start}-${end ?? ""}`;
}

async function readLocalRange(url: string, start: number, end: number | undefined): Promise<RangeResult> {
  const path = fileURLToPath(url);
  try {
    const size = (await fsPromises().stat(path)).size;
    const from = start < 0 ? Math.max(0, size + start) : Math.min(start, size);
    const to = end === undefined ? size - 1 : Math.min(end, size - 1);
    const length = Math.max(0, to - from + 1);
    const handle = await fsPromises().open(path, "r");
    try {
      const bytes = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const { bytesRead } = await handle.read(bytes, read, length - read, from + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return { supported: true, bytes: bytes.subarray(0, read), start: from, totalSize: size };
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new IndexUnreachable(redactUrl(url), `it cannot be read (${errnoCode(error) ?? String(error)})`);
  }
}

export async function fetchByteRange(
  transport: Transport,
  url: string,
  start: number,
  end?: number,
): Promise<RangeResult> {
  if (url.startsWith("file:")) return readLocalRange(url, start, end);
  const displayUrl = redactUrl(url);
  if (transport.options.offline) throw new OfflineCacheMiss(displayUrl);
  return transport.limit(() =>
    transport.withRetries<RangeResult>(displayUrl, async () => {
      const { response, kick, done } = await transport.open(url, {
        range: rangeHeader(start, end),
        "accept-encoding": "identity",
      });
      try {
        if (response.status >= 500 || response.status === 429) {
          await response.body?.cancel().catch(() => {});
          return { retryStatus: response.status, retryAfter: response.headers.get("retry-after") };
        }
        if (response.status === 200) {
          await response.body?.cancel().catch(() => {});
          return { value: { supported: false } };
        }
        if (response.status === 416) {
          await response.body?.cancel().catch(() => {});
          throw new IndexError(
            "RANGE_NOT_SATISFIABLE",
            `The range ${rangeHeader(start, end)} is outside ${displayUrl}.`,
          );
        }
        if (response.status !== 206) {
          await response.body?.cancel().catch(() => {});
          throw new IndexUnreachable(
            displayUrl,
            `the server answered HTTP ${response.status}`,
            response.status,
          );
        }
        const chunks: Buffer[] = [];
        for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
          chunks.push(Buffer.from(chunk));
          kick();
        }
        const contentRange = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(
          response.headers.get("content-range") ?? "",
        );
        const result: RangeResult = { supported: true, bytes: Buffer.concat(chunks) };
        if (contentRange) {
          result.start = Number(contentRange[1]);
          if (contentRange[3] !== "*") result.totalSize = Number(contentRange[3]);
        } else if (start >= 0) result.start = start;
        return { value: result };
      } finally {
        done();
      }
    }),
  );
}
