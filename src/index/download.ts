import { fsPromises } from "../core/lazyBuiltins.ts";
import { createReadStream } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { fsyncDir } from "../core/atomicFs.ts";
import { errnoCode } from "../core/errors.ts";
import {
  DownloadIncomplete,
  HashMismatch,
  IndexPageInvalid,
  IndexUnreachable,
  OfflineCacheMiss,
} from "./errors.ts";
import type { Transport } from "./http.ts";
import { isSafeFilename } from "./projectName.ts";
import { redactUrl } from "./redact.ts";
import type { DistFile } from "./types.ts";
import { createHashers, pickHash } from "./verifyHash.ts";

/**
 * Distribution downloads: the body streams into a temp file beside the destination while it is
 * hashed; only a complete body whose hash matches the index's is renamed into place. A mismatch, a
 * short body or a broken connection leaves nothing behind (the temp file is removed), so a reader
 * of `destDir` never sees a partial wheel. Connection failures retry the whole transfer.
 */

export interface DownloadProgress {
  receivedBytes: number;
  totalBytes: number | undefined;
}

export interface DownloadOptions {
  onProgress?: (progress: DownloadProgress) => void;
}

export interface DownloadResult {
  path: string;
  sha256: string;
  size: number;
}

async function streamInto(
  source: AsyncIterable<Uint8Array>,
  handle: FileHandle,
  hashers: ReturnType<typeof createHashers>,
  totalBytes: number | undefined,
  onChunk: () => void,
  onProgress: DownloadOptions["onProgress"],
): Promise<number> {
  let received = 0;
  for await (const chunk of source) {
    received += chunk.length;
    for (const h of hashers.values()) h.update(chunk);
    let offset = 0;
    while (offset < chunk.length) offset += (await handle.write(chunk, offset)).bytesWritten;
    onChunk();
    onProgress?.({ receivedBytes: received, totalBytes });
  }
  return received;
}

export async function downloadFile(
  transport: Transport,
  file: DistFile,
  destDir: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const displayUrl = redactUrl(file.url);
  if (!isSafeFilename(file.filename)) {
    throw new IndexPageInvalid(displayUrl, `the file name "${file.filename}" is not a plain file name`);
  }
  await fsPromises().mkdir(destDir, { recursive: true });
  const finalPath = join(destDir, file.filename);
  const tmpPath = join(destDir, `.${file.filename}.${process.pid}.${randomBytes(4).toString("hex")}.part`);
  const expected = pickHash(file.hashes);
  const isLocal = file.url.startsWith("file:");
  if (!isLocal && transport.options.offline) throw new OfflineCacheMiss(displayUrl);

  const attemptOnce = async (): Promise<{ size: number; digests: Map<string, string> }> => {
    const handle = await fsPromises().open(tmpPath, "w", 0o644);
    try {
      const hashers = createHashers(expected);
      let size: number;
      if (isLocal) {
        try {
          size = await streamInto(
            createReadStream(fileURLToPath(file.url)),
            handle,
            hashers,
            file.size,
            () => {},
            options.onProgress,
          );
        } catch (error) {
          // A local file does not get better by retrying.
          throw new IndexUnreachable(displayUrl, `it cannot be read (${errnoCode(error) ?? String(error)})`);
        }
      } else {
        const { response, kick, done } = await transport.open(file.url, { "accept-encoding": "identity" });
        try {
          if (response.status !== 200) {
            await response.body?.cancel().catch(() => {});
            throw Object.assign(new Error(`HTTP ${response.status}`), { httpStatus: response.status });
          }
          const header = response.headers.get("content-length");
          const announced = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
          const body = (response.body ?? []) as AsyncIterable<Uint8Array>;
          size = await streamInto(body, handle, hashers, announced ?? file.size, kick, options.onProgress);
          if (announced !== undefined && size !== announced) {
            throw new DownloadIncomplete(displayUrl, `received ${size} of ${announced} bytes`);
          }
        } finally {
          done();
        }
      }
      if (file.size !== undefined && size !== file.size) {
        throw new DownloadIncomplete(displayUrl, `received ${size} bytes, the index says ${file.size}`);
      }
      await handle.sync();
      const digests = new Map([...hashers].map(([alg, h]) => [alg, h.digest("hex")]));
      return { size, digests };
    } finally {
      await handle.close();
    }
  };

  try {
    const outcome = await transport.limit(() =>
      transport.withRetries(displayUrl, async () => {
        try {
          return { value: await attemptOnce() };
        } catch (error) {
          const status = (error as { httpStatus?: number }).httpStatus;
          if (status === undefined) throw error;
          if (status >= 500 || status === 429) return { retryStatus: status };
          throw new IndexUnreachable(displayUrl, `the server answered HTTP ${status}`, status);
        }
      }),
    );
    if (expected) {
      const actual = outcome.digests.get(expected.algorithm)!;
      if (actual !== expected.digest)
        throw new HashMismatch(displayUrl, expected.algorithm, expected.digest, actual);
    }
    await fsPromises().rename(tmpPath, finalPath);
    fsyncDir(destDir);
    return { path: finalPath, sha256: outcome.digests.get("sha256")!, size: outcome.size };
  } catch (error) {
    await fsPromises().rm(tmpPath, { force: true });
    if (error instanceof IndexUnreachable && /terminated|other side closed|premature/i.test(error.message)) {
      throw new DownloadIncomplete(displayUrl, "the connection closed before the whole file arrived", {
        cause: error,
      });
    }
    throw error;
  }
}
