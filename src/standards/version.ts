/**
 * PEP 440 versions, matching packaging >= 22 (no LegacyVersion: anything else throws).
 *
 * Traps:
 * - Numbers are unbounded in Python; components beyond 2^53 become bigint here so ordering and the
 *   normal form stay exact (`VersionNumber`). Small values are always `number`, so `===` works.
 * - The normal form drops leading zeros everywhere, including numeric local segments ("+abc.007"
 *   prints as "+abc.7"), and spells pre-releases a/b/rc, post-releases ".postN", dev ".devN".
 * - Trailing zeros of the release do not matter for ordering or equality (1.0 == 1.0.0) but stay in
 *   the normal form.
 * - Ordering: dev < pre < final < post at the same release; a bare ".devN" sorts before every
 *   pre-release of that release; a local version sorts after the same public version; in local
 *   segments numbers sort above words, words compare as strings.
 * - Whitespace around the text (Python's notion of whitespace) is allowed, and a leading "v".
 */
import { InvalidVersion } from "./errors.ts";
import { compareCodePoints, isAscii, PY_SPACE } from "./pyText.ts";

export type VersionNumber = number | bigint;
export type PreLabel = "a" | "b" | "rc";
type LocalPart = VersionNumber | string;

const VERSION_BODY =
  "v?(?:(?:([0-9]+)!)?([0-9]+(?:\\.[0-9]+)*)" +
  "(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?" +
  "(?:(?:-([0-9]+))|(?:[-_.]?(post|rev|r)[-_.]?([0-9]+)?))?" +
  "(?:[-_.]?(dev)[-_.]?([0-9]+)?)?)" +
  "(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?";
/** The unanchored PEP 440 pattern (for embedding, e.g. in file-name parsers); flags "iu". */
export const VERSION_PATTERN = VERSION_BODY;
const versionRe = new RegExp(`^[${PY_SPACE}]*${VERSION_BODY}[${PY_SPACE}]*$`, "iu");
// Same matches on ASCII text (see isAscii), several times cheaper to compile and run.
const asciiVersionRe = new RegExp(`^[${PY_SPACE}]*${VERSION_BODY}[${PY_SPACE}]*$`, "i");
const versionReFor = (text: string): RegExp => (isAscii(text) ? asciiVersionRe : versionRe);
const simpleRe = /^[0-9]{1,15}(?:\.[0-9]{1,15})*$/;

export function parseNumber(digits: string): VersionNumber {
  if (digits.length <= 15) return Number(digits);
  const big = BigInt(digits);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

function preLabel(letter: string): PreLabel {
  const l = letter.toLowerCase();
  if (l === "alpha" || l === "a") return "a";
  if (l === "beta" || l === "b") return "b";
  return "rc";
}

export class Version {
  readonly epoch: VersionNumber;
  readonly release: readonly VersionNumber[];
  readonly pre: readonly [PreLabel, VersionNumber] | null;
  readonly post: VersionNumber | null;
  readonly dev: VersionNumber | null;
  /** Local segments, numbers already parsed; `local` gives the dotted string. */
  readonly localParts: readonly LocalPart[] | null;
  private text: string | undefined;

  /** Use `parseVersion`; the constructor takes already-validated parts. */
  constructor(parts: {
    epoch?: VersionNumber;
    release: readonly VersionNumber[];
    pre?: readonly [PreLabel, VersionNumber] | null;
    post?: VersionNumber | null;
    dev?: VersionNumber | null;
    local?: readonly LocalPart[] | null;
  }) {
    this.epoch = parts.epoch ?? 0;
    this.release = parts.release;
    this.pre = parts.pre ?? null;
    this.post = parts.post ?? null;
    this.dev = parts.dev ?? null;
    this.localParts = parts.local ?? null;
  }

  get local(): string | null {
    return this.localParts === null ? null : this.localParts.map(String).join(".");
  }
  get major(): VersionNumber {
    return this.release[0] ?? 0;
  }
  get minor(): VersionNumber {
    return this.release[1] ?? 0;
  }
  get micro(): VersionNumber {
    return this.release[2] ?? 0;
  }
  get isPrerelease(): boolean {
    return this.dev !== null || this.pre !== null;
  }
  get isPostrelease(): boolean {
    return this.post !== null;
  }
  get isDevrelease(): boolean {
    return this.dev !== null;
  }
  /** The normal form without the local segment. */
  get public(): string {
    const s = this.toString();
    const plus = s.indexOf("+");
    return plus < 0 ? s : s.slice(0, plus);
  }
  /** Epoch and release only: "1!2.0" for "1!2.0rc1.post2+x". */
  get baseVersion(): string {
    return (this.epoch !== 0 ? `${this.epoch}!` : "") + this.release.join(".");
  }

  toString(): string {
    if (this.text !== undefined) return this.text;
    let s = this.epoch !== 0 ? `${this.epoch}!` : "";
    s += this.release.join(".");
    if (this.pre !== null) s += `${this.pre[0]}${this.pre[1]}`;
    if (this.post !== null) s += `.post${this.post}`;
    if (this.dev !== null) s += `.dev${this.dev}`;
    if (this.localParts !== null) s += `+${this.local}`;
    this.text = s;
    return s;
  }

  toJSON(): string {
    return this.toString();
  }

  compare(other: Version): -1 | 0 | 1 {
    return compareParsed(this, other);
  }
  equals(other: Version): boolean {
    return compareParsed(this, other) === 0;
  }
}

/** Parse a PEP 440 version; throws `InvalidVersion` quoting `text`. */
export function parseVersion(text: string): Version {
  if (simpleRe.test(text)) return new Version({ release: text.split(".").map(Number) });
  const m = versionReFor(text).exec(text);
  if (m === null) throw new InvalidVersion(text);
  const [, epoch, release, preL, preN, postN1, postL, postN2, devL, devN, local] = m;
  return new Version({
    epoch: epoch !== undefined ? parseNumber(epoch) : 0,
    release: release!.split(".").map(parseNumber),
    pre: preL !== undefined ? [preLabel(preL), preN !== undefined ? parseNumber(preN) : 0] : null,
    post:
      postN1 !== undefined
        ? parseNumber(postN1)
        : postL !== undefined
          ? postN2 !== undefined
            ? parseNumber(postN2)
            : 0
          : null,
    dev: devL !== undefined ? (devN !== undefined ? parseNumber(devN) : 0) : null,
    local:
      local !== undefined
        ? local.split(/[-_.]/).map((p) => (/^[0-9]+$/.test(p) ? parseNumber(p) : p.toLowerCase()))
        : null,
  });
}

/** True when `text` is a valid PEP 440 version. */
export function isValidVersion(text: string): boolean {
  return simpleRe.test(text) || versionReFor(text).test(text);
}

/** The PEP 440 normal form of `text` ("1.0.0-RC1" → "1.0.0rc1"); throws `InvalidVersion`. */
export function normalizeVersion(text: string): string {
  return parseVersion(text).toString();
}

function cmp(a: VersionNumber, b: VersionNumber): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Release segments compare as if the shorter one were padded with zeros. */
export function compareRelease(a: readonly VersionNumber[], b: readonly VersionNumber[]): -1 | 0 | 1 {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmp(a[i] ?? 0, b[i] ?? 0);
    if (c !== 0) return c;
  }
  return 0;
}

// Rank of the pre-release slot: a bare dev release sorts below any pre-release, a final above.
const PRE_RANK: Record<PreLabel, number> = { a: 1, b: 2, rc: 3 };
function preRank(v: Version): number {
  if (v.pre !== null) return PRE_RANK[v.pre[0]];
  return v.post === null && v.dev !== null ? 0 : 4;
}

function compareLocal(a: readonly LocalPart[] | null, b: readonly LocalPart[] | null): -1 | 0 | 1 {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const xs = typeof x === "string";
    const ys = typeof y === "string";
    if (xs !== ys) return xs ? -1 : 1;
    const c = xs ? (compareCodePoints(x, y as string) as -1 | 0 | 1) : cmp(x, y as VersionNumber);
    if (c !== 0) return c;
  }
  return cmp(a.length, b.length);
}

/** Full PEP 440 ordering; with `ignoreLocal`, the public versions are compared. */
export function compareParsed(a: Version, b: Version, ignoreLocal = false): -1 | 0 | 1 {
  let c = cmp(a.epoch, b.epoch);
  if (c !== 0) return c;
  c = compareRelease(a.release, b.release);
  if (c !== 0) return c;
  const ra = preRank(a);
  const rb = preRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (a.pre !== null && b.pre !== null) {
    c = cmp(a.pre[1], b.pre[1]);
    if (c !== 0) return c;
  }
  if (a.post !== b.post) {
    if (a.post === null) return -1;
    if (b.post === null) return 1;
    c = cmp(a.post, b.post);
    if (c !== 0) return c;
  }
  if (a.dev !== b.dev) {
    if (a.dev === null) return 1;
    if (b.dev === null) return -1;
    c = cmp(a.dev, b.dev);
    if (c !== 0) return c;
  }
  return ignoreLocal ? 0 : compareLocal(a.localParts, b.localParts);
}

/** PEP 440 ordering of two versions (strings are parsed, `InvalidVersion` if they do not parse). */
export function compareVersions(a: string | Version, b: string | Version): -1 | 0 | 1 {
  return compareParsed(
    typeof a === "string" ? parseVersion(a) : a,
    typeof b === "string" ? parseVersion(b) : b,
  );
}

export function toVersion(v: string | Version): Version {
  return typeof v === "string" ? parseVersion(v) : v;
}
