/**
 * Typed errors of the standards core. Each message quotes the offending text, because the text is
 * usually one line of somebody else's metadata and the user needs to find it.
 */
import { OmnipkgError } from "../core/errors.ts";

/** Python's repr of a short string, close enough for messages: single quotes, escapes visible. */
export function quote(text: string): string {
  return `'${JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

export class InvalidVersion extends OmnipkgError {
  readonly text: string;
  constructor(text: string) {
    super("INVALID_VERSION", `Invalid version: ${quote(text)} is not a PEP 440 version.`, {
      hint: "Versions look like 1.2.3, 1.0a1, 2.0.post1, 1!2.0 or 1.0+local.",
    });
    this.text = text;
  }
}

export class InvalidSpecifier extends OmnipkgError {
  readonly text: string;
  constructor(text: string) {
    super("INVALID_SPECIFIER", `Invalid version specifier: ${quote(text)}.`, {
      hint: "Specifiers look like >=1.0, ~=2.1, ==1.4.*, !=1.5 or ===foo.",
    });
    this.text = text;
  }
}

/** A PEP 508 syntax error: `reason` is packaging's wording, `span` the [start, end) in `text`. */
export class InvalidRequirement extends OmnipkgError {
  readonly text: string;
  readonly reason: string;
  readonly span: [number, number];
  constructor(text: string, reason: string, span: [number, number], kind = "requirement") {
    super(
      kind === "marker" ? "INVALID_MARKER" : "INVALID_REQUIREMENT",
      `Invalid ${kind} ${quote(text)}: ${reason} at position ${span[0]}.`,
      { hint: `${text}\n${" ".repeat(span[0])}${"~".repeat(span[1] - span[0])}^` },
    );
    this.text = text;
    this.reason = reason;
    this.span = span;
  }
}

export class InvalidMarker extends InvalidRequirement {
  constructor(text: string, reason: string, span: [number, number]) {
    super(text, reason, span, "marker");
  }
}

/** A marker compares two things packaging cannot compare (e.g. `os_name ~= "3"`). */
export class UndefinedComparison extends OmnipkgError {
  constructor(message: string) {
    super("UNDEFINED_COMPARISON", message);
  }
}

/** A marker names a variable the environment does not define. */
export class UndefinedEnvironmentName extends OmnipkgError {
  readonly variable: string;
  constructor(variable: string) {
    super("UNDEFINED_ENVIRONMENT_NAME", `The marker environment has no value for ${quote(variable)}.`);
    this.variable = variable;
  }
}

export class InvalidName extends OmnipkgError {
  readonly text: string;
  constructor(text: string) {
    super("INVALID_NAME", `Invalid project name ${quote(text)}.`, {
      hint: "Project names are ASCII letters and digits, with '.', '_' or '-' between them.",
    });
    this.text = text;
  }
}

export class InvalidWheelFilename extends OmnipkgError {
  constructor(filename: string, reason: string) {
    super("INVALID_WHEEL_FILENAME", `Invalid wheel file name ${quote(filename)}: ${reason}.`, {
      hint: "Wheel names are {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl (PEP 427).",
    });
  }
}

export class InvalidSdistFilename extends OmnipkgError {
  constructor(filename: string, reason: string) {
    super("INVALID_SDIST_FILENAME", `Invalid sdist file name ${quote(filename)}: ${reason}.`, {
      hint: "Source distributions are {name}-{version}.tar.gz (PEP 625) or legacy .zip/.tar.bz2 archives.",
    });
  }
}

export class InvalidMetadata extends OmnipkgError {
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super("INVALID_METADATA", message);
    this.field = field;
  }
}
