import { OmnipkgError } from "../core/errors.ts";

/**
 * Knowledge-base failures the user can act on. Each names the file or the server (never a
 * password) and says what to do; none carries a stack to the terminal.
 */

export class KbCorrupt extends OmnipkgError {
  constructor(file: string, detail: string, cause?: unknown) {
    super("KB_CORRUPT", `The knowledge base ${file} is damaged (${detail}).`, {
      hint: "Run `omnipkg rebuild-kb` to rebuild it from the environments on disk; omnipkg has not changed the file.",
      cause,
    });
  }
}

export class KbTooNew extends OmnipkgError {
  constructor(location: string, found: number, known: number) {
    super(
      "KB_TOO_NEW",
      `The knowledge base ${location} has schema version ${found}, newer than this omnipkg understands (${known}).`,
      { hint: "Upgrade omnipkg, or point OMNIPKG_KB at another knowledge base." },
    );
  }
}

export class KbUnavailable extends OmnipkgError {
  constructor(location: string, detail: string, cause?: unknown) {
    super("KB_UNAVAILABLE", `The knowledge base at ${location} is unreachable (${detail}).`, {
      hint: "Check that the Redis server is running and reachable, then run the command again; nothing was half-written.",
      cause,
    });
  }
}

export class KbUrlInvalid extends OmnipkgError {
  constructor(url: string, detail: string) {
    super("KB_URL_INVALID", `The knowledge base location "${url}" is not valid: ${detail}.`, {
      hint: "Use redis://host:port/db (or rediss://), or sqlite for the embedded default.",
      exitCode: 2,
    });
  }
}

/** A write that names something the knowledge base does not hold (an unknown environment, ...). */
export class KbMissing extends OmnipkgError {
  constructor(what: string) {
    super("KB_MISSING", `The knowledge base has no ${what}.`);
  }
}

/** The SQLite file cannot be opened or written (permissions, a read-only mount, a missing folder). */
export class KbInaccessible extends OmnipkgError {
  constructor(file: string, detail: string, cause?: unknown) {
    super("KB_INACCESSIBLE", `The knowledge base ${file} cannot be used (${detail}).`, {
      hint: "Check that this user can read and write the file and its folder (or set OMNIPKG_HOME).",
      cause,
    });
  }
}

/** Another process kept the SQLite write lock longer than the busy timeout. */
export class KbBusy extends OmnipkgError {
  constructor(file: string, waitedMs: number, cause?: unknown) {
    super(
      "KB_BUSY",
      `The knowledge base ${file} stayed locked by another process for ${Math.round(waitedMs / 1000)} s.`,
      {
        hint: "Wait for the other omnipkg command to finish, then run this one again; nothing was changed.",
        cause,
      },
    );
  }
}
