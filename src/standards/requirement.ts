/**
 * PEP 508 dependency specifiers (`Requires-Dist` lines, command-line requirements), shaped like
 * packaging 24.x `Requirement`.
 *
 * Traps: the name is kept as written (canonicalise it yourself for lookups); extras are a set
 * (deduplicated, printed sorted); `toString()` prints "name@ url" with no space before "@", as
 * packaging does; a `===` member that swallowed a comma can make the specifier set itself invalid,
 * which surfaces as InvalidSpecifier (as in packaging), not InvalidRequirement.
 */
import { InvalidRequirement } from "./errors.ts";
import { Marker, normalizeExtraValues } from "./marker.ts";
import { canonicalizeName } from "./names.ts";
import { ParserSyntaxError, parseRequirementSyntax } from "./pep508Parser.ts";
import { compareCodePoints } from "./pyText.ts";
import { SpecifierSet } from "./specifier.ts";

export class Requirement {
  readonly name: string;
  /** Sorted, deduplicated, as written (not normalised). */
  readonly extras: readonly string[];
  readonly specifier: SpecifierSet;
  readonly url: string | null;
  readonly marker: Marker | null;

  constructor(fields: {
    name: string;
    extras: readonly string[];
    specifier: SpecifierSet;
    url: string | null;
    marker: Marker | null;
  }) {
    this.name = fields.name;
    this.extras = [...new Set(fields.extras)].sort(compareCodePoints);
    this.specifier = fields.specifier;
    this.url = fields.url;
    this.marker = fields.marker;
  }

  /** PEP 503 form of the name. */
  get canonicalName(): string {
    return canonicalizeName(this.name);
  }

  toString(): string {
    let s = this.name;
    if (this.extras.length > 0) s += `[${this.extras.join(",")}]`;
    if (this.specifier.size > 0) s += this.specifier.toString();
    if (this.url) {
      s += `@ ${this.url}`;
      if (this.marker) s += " ";
    }
    if (this.marker) s += `; ${this.marker.toString()}`;
    return s;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Parse a PEP 508 requirement; throws `InvalidRequirement` quoting the text and the position. */
export function parseRequirement(text: string): Requirement {
  let parsed;
  try {
    parsed = parseRequirementSyntax(text);
  } catch (error) {
    if (error instanceof ParserSyntaxError) throw new InvalidRequirement(text, error.reason, error.span);
    throw error;
  }
  return new Requirement({
    name: parsed.name,
    extras: parsed.extras,
    specifier: new SpecifierSet(parsed.specifier),
    url: parsed.url || null,
    marker: parsed.marker === null ? null : new Marker(normalizeExtraValues(parsed.marker)),
  });
}
