import { OmnipkgError, type ErrorOptions } from "../core/errors.ts";

/**
 * Errors of the index client. Every message names the URL it is about, always passed through
 * `redactUrl` first: index URLs often carry tokens, and error text ends up in logs and bug reports.
 */

export class IndexError extends OmnipkgError {}

/** No configured index (nor find-links location) knows the project. */
export class ProjectNotFound extends IndexError {
  readonly project: string;
  readonly triedLocations: string[];
  constructor(project: string, triedLocations: string[], options: ErrorOptions = {}) {
    const where = triedLocations.length > 0 ? triedLocations.join(", ") : "no index is configured";
    super("PROJECT_NOT_FOUND", `No index has a project named "${project}" (tried: ${where}).`, {
      hint: "Check the spelling, or add the index that hosts it with --extra-index-url or --find-links.",
      ...options,
    });
    this.project = project;
    this.triedLocations = triedLocations;
  }
}

/** A page or metadata file that cannot be understood. */
export class IndexPageInvalid extends IndexError {
  constructor(url: string, detail: string, options: ErrorOptions = {}) {
    super("INDEX_PAGE_INVALID", `The index response from ${url} is not valid: ${detail}.`, {
      hint: "The index is misconfigured or is not a PEP 503/691 simple index; check the URL.",
      ...options,
    });
  }
}

/** The server answered with an error status, or could not be reached. */
export class IndexUnreachable extends IndexError {
  readonly status: number | undefined;
  constructor(url: string, detail: string, status?: number, options: ErrorOptions = {}) {
    super("INDEX_UNREACHABLE", `Could not fetch ${url}: ${detail}.`, {
      hint: "Check the network and the index URL, or use --offline to answer from the cache.",
      ...options,
    });
    this.status = status;
  }
}

/** PEP 629: the server speaks a major API version this client does not know. */
export class IndexApiUnsupported extends IndexError {
  constructor(url: string, version: string) {
    super(
      "INDEX_API_UNSUPPORTED",
      `The index at ${url} uses simple API version ${version}, which omnipkg does not support.`,
      {
        hint: "Upgrade omnipkg, or use another index.",
      },
    );
  }
}

/** Bytes that do not match the hash the index published. */
export class HashMismatch extends IndexError {
  constructor(url: string, algorithm: string, expected: string, actual: string) {
    super(
      "HASH_MISMATCH",
      `The file from ${url} does not match its published ${algorithm} hash (expected ${expected}, got ${actual}).`,
      {
        hint: "The download was discarded. Retry; if it persists, the index or a proxy serves altered files.",
      },
    );
  }
}

/** The body ended before the announced length, or a transfer broke off. */
export class DownloadIncomplete extends IndexError {
  constructor(url: string, detail: string, options: ErrorOptions = {}) {
    super("DOWNLOAD_INCOMPLETE", `The download of ${url} did not complete: ${detail}.`, {
      hint: "The partial file was discarded. Retry the command.",
      ...options,
    });
  }
}

/** `--offline` and the answer is not in the cache. */
export class OfflineCacheMiss extends IndexError {
  constructor(url: string) {
    super("OFFLINE_CACHE_MISS", `Offline mode: ${url} is not in the cache.`, {
      hint: "Run the command once without --offline to fill the cache.",
    });
  }
}
