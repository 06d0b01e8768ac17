/**
 * One error tree for the whole product. Only the CLI turns these into exit codes and text:
 * engine code throws, reporters render. `exitCode` follows the ground rules: 1 for a failure the
 * user can act on, 2 for bad usage (unknown flag, missing argument, no TTY for a menu).
 */
export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
  exitCode?: 1 | 2;
}

export class OmnipkgError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: 1 | 2;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad usage: the command line itself is wrong. Exit code 2. */
export class UsageError extends OmnipkgError {
  constructor(message: string, options: Omit<ErrorOptions, "exitCode"> = {}) {
    super("USAGE", message, { ...options, exitCode: 2 });
  }
}

export function isOmnipkgError(error: unknown): error is OmnipkgError {
  return error instanceof OmnipkgError;
}

/** Node's errno errors carry `code`; this narrows without `any`. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}
