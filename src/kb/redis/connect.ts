import type { Redis, RedisOptions } from "ioredis";
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

/** The last socket error per client: ioredis rejects with a generic "connection closed", this says why. */
const lastErrors = new WeakMap<Redis, Error>();

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
    // Never resend a command that may already have run: a replayed revision script would record
    // the same change twice. A command in flight when the connection drops fails instead.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    retryStrategy: (attempt) => (attempt > 3 ? null : Math.min(100 * 2 ** attempt, 800)),
    reconnectOnError: () => false,
    // How long disconnect() waits for a graceful close; its timer outlives an already-dead socket
    // and would hold a failed command's process open for ioredis's default 2 s.
    disconnectTimeout: 100,
  } as RedisOptions);
  // Without a listener, ioredis prints every connection error itself; ours are reported by the caller.
  client.on("error", (error: Error) => {
    lastErrors.set(client, error);
    debug(`redis ${display}: ${error.message}`);
  });
  await ensureConnected(client, display);
  return client;
}

/** Waits (bounded by the retry strategy) for a reconnect in progress to succeed or give up. */
function settle(client: Redis): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      client.off("ready", done);
      client.off("end", done);
      resolve();
    };
    client.once("ready", done);
    client.once("end", done);
  });
}

export async function ensureConnected(client: Redis, display: string): Promise<void> {
  if (client.status === "ready") return;
  if (client.status === "connecting" || client.status === "connect" || client.status === "reconnecting") {
    await settle(client);
    if ((client.status as string) === "ready") return; // changed while we waited
  }
  if (client.status === "wait" || client.status === "end" || client.status === "close") {
    try {
      await client.connect();
    } catch (error) {
      // Stop the background reconnect loop: it would keep the process alive after we report.
      client.disconnect();
      throw unavailable(lastErrors.get(client) ?? error, display);
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

export function unavailable(error: unknown, display: string, client?: Redis): Error {
  if (isOmnipkgError(error)) return error;
  let detail = describe(error);
  const socketError = client && lastErrors.get(client);
  if (detail === "the connection was lost" && socketError && describe(socketError) === "connection refused") {
    detail = "the connection was lost and the server refuses new ones";
  }
  return new KbUnavailable(display, detail, error);
}
