/**
 * PEP 440 version specifiers, matching packaging 24.x `Specifier` / `SpecifierSet`.
 *
 * Traps:
 * - Pre-releases are excluded unless asked for (`prereleases: true`) or unless a specifier itself
 *   names one with ==, >=, <=, ~= or === (">=1.0a1" admits "1.5b2"). An empty set admits none by
 *   default.
 * - `<V` never admits a pre-release of V's release unless V is a pre-release; `>V` never admits a
 *   post-release or a local version of V's release unless V is a post-release.
 * - `==`/`!=` ignore the candidate's local segment unless the specifier has one; `==1.0.*` pads the
 *   candidate's release with zeros and compares segment strings.
 * - `~=X.Y.Z` is `>=X.Y.Z, ==X.Y.*`, where the prefix is cut from the specifier *as written*:
 *   "~=1.4c1" keeps "c1" as a release-like segment (packaging only strips dev/a/b/rc/post), so it
 *   means ==1.4.*, while "~=1.4rc1" means ==1.*. We reproduce that.
 * - `===` compares the candidate's normal form, lower-cased, with the text; the candidate must still
 *   be a valid version, and a set containing `===<not a version>` cannot say whether it admits
 *   pre-releases, so packaging raises InvalidVersion there (we raise it deterministically; packaging
 *   may or may not, depending on set iteration order).
 * - A set deduplicates specifiers by (operator, canonical version), keeping the first written, and
 *   prints them sorted.
 */
import { InvalidSpecifier } from "./errors.ts";
import { canonicalizeVersion } from "./names.ts";
import { isAscii, PY_SPACE } from "./pyText.ts";
import { parseVersion, toVersion, compareParsed, compareRelease, type Version } from "./version.ts";

export type Operator = "~=" | "==" | "!=" | "<=" | ">=" | "<" | ">" | "===";

const S = `[${PY_SPACE}]`;
const PRE = "(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?";
const POST = "(?:(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?";
const DEV = "(?:[-_.]?dev[-_.]?[0-9]*)?";
const LOCAL = "(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?";
/** Operator and version as packaging's `Specifier._operator_regex_str + _version_regex_str`. */
export const SPECIFIER_PATTERN =
  "(~=|==|!=|<=|>=|<|>|===)(" +
  `(?:(?<====)${S}*[^${PY_SPACE};)]*)` +
  `|(?:(?<===|!=)${S}*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*(?:\\.\\*|${PRE}${POST}${DEV}${LOCAL})?)` +
  `|(?:(?<=~=)${S}*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)+${PRE}${POST}${DEV})` +
  `|(?:(?<!==|!=|~=)${S}*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*${PRE}${POST}${DEV})` +
  ")";
const specifierRe = new RegExp(`^${S}*${SPECIFIER_PATTERN}${S}*$`, "iu");
// Same matches on ASCII text (see isAscii), several times cheaper to compile and run.
const asciiSpecifierRe = new RegExp(`^${S}*${SPECIFIER_PATTERN}${S}*$`, "i");
const spaceRe = new RegExp(`^${S}+|${S}+$`, "gu");
const strip = (s: string): string => s.replace(spaceRe, "");

export interface PrereleaseOption {
  /** true: admit pre-releases; false: never; undefined: the specifier's own default. */
  prereleases?: boolean | undefined;
}

export class Specifier {
  readonly operator: Operator;
  /** The version text as written (whitespace stripped), e.g. "1.0.*" or "v2.0". */
  readonly version: string;
  private readonly explicitPrereleases: boolean | undefined;
  private parsed: Version | undefined;

  constructor(text: string, prereleases?: boolean) {
    const m = (isAscii(text) ? asciiSpecifierRe : specifierRe).exec(text);
    if (m === null) throw new InvalidSpecifier(text);
    this.operator = m[1] as Operator;
    this.version = strip(m[2]!);
    this.explicitPrereleases = prereleases;
  }

  /** Whether this specifier admits pre-releases when not told otherwise. */
  get prereleases(): boolean {
    if (this.explicitPrereleases !== undefined) return this.explicitPrereleases;
    const op = this.operator;
    if (op === "==" || op === ">=" || op === "<=" || op === "~=" || op === "===") {
      const v = op === "==" && this.version.endsWith(".*") ? this.version.slice(0, -2) : this.version;
      return parseVersion(v).isPrerelease;
    }
    return false;
  }

  toString(): string {
    return `${this.operator}${this.version}`;
  }

  /** Identity used for equality and de-duplication (packaging's `_canonical_spec`). */
  get canonicalKey(): string {
    return `${this.operator}${canonicalizeVersion(this.version, this.operator !== "~=")}`;
  }

  contains(version: string | Version, options: PrereleaseOption = {}): boolean {
    const prereleases = options.prereleases ?? this.prereleases;
    const v = toVersion(version);
    if (v.isPrerelease && !prereleases) return false;
    return this.matches(v);
  }

  /** The operator alone, without any pre-release policy. */
  matches(v: Version): boolean {
    switch (this.operator) {
      case "~=":
        return compareCompatible(v, this.version);
      case "==":
        return compareEqual(v, this.version);
      case "!=":
        return !compareEqual(v, this.version);
      case "<=":
        return compareParsed(v, this.spec(), true) <= 0;
      case ">=":
        return compareParsed(v, this.spec(), true) >= 0;
      case "<":
        return compareLess(v, this.spec());
      case ">":
        return compareGreater(v, this.spec());
      case "===":
        return v.toString().toLowerCase() === this.version.toLowerCase();
    }
  }

  filter<T extends string | Version>(versions: Iterable<T>, options: PrereleaseOption = {}): T[] {
    const given = options.prereleases;
    const out: T[] = [];
    const heldBack: T[] = [];
    for (const item of versions) {
      const v = toVersion(item);
      if (!this.contains(v, { prereleases: given ?? true })) continue;
      if (v.isPrerelease && !(given || this.prereleases)) heldBack.push(item);
      else out.push(item);
    }
    return out.length === 0 ? heldBack : out;
  }

  private spec(): Version {
    return (this.parsed ??= parseVersion(this.version));
  }
}

function sameBase(a: Version, b: Version): boolean {
  return a.epoch === b.epoch && compareRelease(a.release, b.release) === 0;
}

function compareLess(v: Version, spec: Version): boolean {
  if (compareParsed(v, spec) >= 0) return false;
  return !(!spec.isPrerelease && v.isPrerelease && sameBase(v, spec));
}

function compareGreater(v: Version, spec: Version): boolean {
  if (compareParsed(v, spec) <= 0) return false;
  if (!spec.isPostrelease && v.isPostrelease && sameBase(v, spec)) return false;
  return !(v.localParts !== null && sameBase(v, spec));
}

const prefixSplitRe = /^([0-9]+)((?:a|b|c|rc)[0-9]+)$/;

/** packaging's `_version_split`: epoch first, then dot parts with "1rc2" split in two. */
function splitVersion(text: string): string[] {
  const bang = text.lastIndexOf("!");
  const out = [bang < 0 ? "0" : text.slice(0, bang) || "0"];
  for (const item of text.slice(bang + 1).split(".")) {
    const m = prefixSplitRe.exec(item);
    if (m) out.push(m[1]!, m[2]!);
    else out.push(item);
  }
  return out;
}

const SUFFIXES = ["dev", "a", "b", "rc", "post"];

function compareCompatible(v: Version, spec: string): boolean {
  const parts = splitVersion(spec);
  const kept: string[] = [];
  for (const p of parts) {
    if (SUFFIXES.some((s) => p.startsWith(s))) break;
    kept.push(p);
  }
  kept.pop();
  const [epoch, ...rest] = kept;
  const prefix = `${epoch}!${rest.join(".")}.*`;
  return compareParsed(v, parseVersion(spec), true) >= 0 && compareEqual(v, prefix);
}

const isDigits = (s: string): boolean => /^[0-9]+$/.test(s);

function compareEqual(v: Version, spec: string): boolean {
  if (spec.endsWith(".*")) {
    const want = splitVersion(canonicalizeVersion(spec.slice(0, -2), false));
    const have = splitVersion(v.public);
    // Pad the candidate's numeric prefix with zeros to the length of the wanted numeric prefix.
    let haveDigits = 0;
    while (haveDigits < have.length && isDigits(have[haveDigits]!)) haveDigits++;
    let wantDigits = 0;
    while (wantDigits < want.length && isDigits(want[wantDigits]!)) wantDigits++;
    const padded = [
      ...have.slice(0, haveDigits),
      ...Array<string>(Math.max(0, wantDigits - haveDigits)).fill("0"),
      ...have.slice(haveDigits),
    ];
    if (padded.length < want.length) return false;
    for (let i = 0; i < want.length; i++) if (padded[i] !== want[i]) return false;
    return true;
  }
  const sv = parseVersion(spec);
  return compareParsed(v, sv, sv.localParts === null) === 0;
}

export class SpecifierSet {
  readonly specifiers: readonly Specifier[];
  private readonly explicitPrereleases: boolean | undefined;

  constructor(text = "", prereleases?: boolean) {
    const specs: Specifier[] = [];
    for (const piece of text.split(",")) {
      const s = strip(piece);
      if (s !== "") specs.push(new Specifier(s));
    }
    // De-duplication needs each member's canonical key (a version parse); one member needs none.
    if (specs.length > 1) {
      const seen = new Map<string, Specifier>();
      for (const spec of specs) if (!seen.has(spec.canonicalKey)) seen.set(spec.canonicalKey, spec);
      this.specifiers = [...seen.values()];
    } else {
      this.specifiers = specs;
    }
    this.explicitPrereleases = prereleases;
  }

  /** true/false, or undefined for an empty set with no explicit policy. */
  get prereleases(): boolean | undefined {
    if (this.explicitPrereleases !== undefined) return this.explicitPrereleases;
    if (this.specifiers.length === 0) return undefined;
    // Evaluate every member (not short-circuiting) so an unparseable === always raises.
    return this.specifiers.map((s) => s.prereleases).some(Boolean);
  }

  /**
   * Both sets at once (packaging's `&`): members united, pre-release policies combined; two
   * opposite explicit policies cannot be combined.
   */
  and(other: SpecifierSet | string): SpecifierSet {
    const that = typeof other === "string" ? new SpecifierSet(other) : other;
    const a = this.explicitPrereleases;
    const b = that.explicitPrereleases;
    if (a !== undefined && b !== undefined && a !== b) {
      throw new InvalidSpecifier(`${this.toString()} & ${that.toString()} (opposite pre-release overrides)`);
    }
    return new SpecifierSet([...this.specifiers, ...that.specifiers].map(String).join(","), a ?? b);
  }

  get size(): number {
    return this.specifiers.length;
  }

  toString(): string {
    return this.specifiers
      .map(String)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .join(",");
  }

  toJSON(): string {
    return this.toString();
  }

  contains(version: string | Version, options: PrereleaseOption & { installed?: boolean } = {}): boolean {
    let v = toVersion(version);
    const prereleases = options.prereleases ?? this.prereleases;
    if (!prereleases && v.isPrerelease) return false;
    if (options.installed && v.isPrerelease) v = parseVersion(v.baseVersion);
    return this.specifiers.every((s) => s.contains(v, { prereleases }));
  }

  /**
   * The versions the set admits, in input order. With no specifiers and no policy, pre-releases
   * are returned only when nothing else is.
   */
  filter<T extends string | Version>(versions: Iterable<T>, options: PrereleaseOption = {}): T[] {
    const prereleases = options.prereleases ?? this.prereleases;
    if (this.specifiers.length > 0) {
      let items = [...versions];
      for (const s of this.specifiers) items = s.filter(items, { prereleases: Boolean(prereleases) });
      return items;
    }
    const out: T[] = [];
    const heldBack: T[] = [];
    for (const item of versions) {
      const v = toVersion(item);
      if (v.isPrerelease && !prereleases) {
        if (out.length === 0) heldBack.push(item);
      } else out.push(item);
    }
    return out.length === 0 && heldBack.length > 0 && prereleases === undefined ? heldBack : out;
  }
}

/** Parse a comma-separated specifier set; throws `InvalidSpecifier` quoting the bad member. */
export function parseSpecifierSet(text: string): SpecifierSet {
  return new SpecifierSet(text);
}
