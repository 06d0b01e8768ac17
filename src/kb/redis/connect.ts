import type { Redis } from "ioredis";
import { createDebug } from "../../core/debug.ts";
import { isOmnipkgError } from "../../core/errors.ts";
import { KbUnavailable } from "../errors.ts";

/**
 * ioredis by default retries for ever and queues commands while it does, so a dead server would
 * hang a command. Here reconnection is bounded (a few attempts, well under the command timeout),
 * a command is retried at most once after a reconnect, and any failure becomes KbUnavailable naming
 * the server (without its password). A connection that gave up is reopened by the next call, so
 * a long-lived process recovers when the server comes back.
 */
const debug = createDebug("kb");

export interface RedisConnectOptions {
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

export async function connectRedis(
  url: string,
  display: string,
  options: RedisConnectOptions = {},
): Promise<Redis> {
  const { Redis } = await import("ioredis");
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    maxRetriesPerRequest: 1,
    enableReadyCheck: true,
    retryStrategy: (attempt) => (attempt > 3 ? null : Math.min(100 * 2 ** attempt, 800)),
    reconnectOnError: () => false,
  });
  // Without a listener, ioredis prints every connection error itself; ours are reported by the caller.
  client.on("error", (error: Error) => debug(`redis ${display}: ${error.message}`));
  await ensureConnected(client, display);
  return client;
}

export async function ensureConnected(client: Redis, display: string): Promise<void> {
  if (client.status === "ready") return;
  if (client.status === "wait" || client.status === "end" || client.status === "close") {
    try {
      await client.connect();
    } catch (error) {
      throw unavailable(error, display);
    }
  }
}

function describe(error: unknown): string {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  if (code === "ETIMEDOUT" || /timed? ?out/i.test(message)) return "no reply in time";
  if (name === "MaxRetriesPerRequestError" || /connection is closed|stream isn't writeable/i.test(message)) {
    return "the connection was lost";
  }
  if (/NOAUTH|WRONGPASS/.test(message)) return "authentication failed";
  return message.split("\n")[0] ?? "unknown error";
}

export function unavailable(error: unknown, display: string): Error {
  if (isOmnipkgError(error)) return error;
  return new KbUnavailable(display, describe(error), error);
}
