/**
 * PEP 503 project names and packaging's `canonicalize_version`.
 *
 * Traps: runs of "-", "_" and "." collapse to one "-" and the name is lower-cased, but nothing is
 * validated by `canonicalizeName` (packaging only validates on request); `isNormalizedName` rejects
 * "--" and leading/trailing separators.
 */
import { InvalidName } from "./errors.ts";
import { parseVersion, isValidVersion } from "./version.ts";

const separatorsRe = /[-_.]+/g;
const validNameRe = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;
const normalizedRe = /^([a-z0-9]|[a-z0-9]([a-z0-9-](?!--))*[a-z0-9])$/;

/** PEP 503 normal form: "Foo.Bar__baz" → "foo-bar-baz". With `validate`, rejects invalid names. */
export function canonicalizeName(name: string, options: { validate?: boolean } = {}): string {
  if (options.validate && !validNameRe.test(name)) {
    throw new InvalidName(name);
  }
  return name.replace(separatorsRe, "-").toLowerCase();
}

export function isNormalizedName(name: string): boolean {
  return normalizedRe.test(name);
}

export function isValidProjectName(name: string): boolean {
  return validNameRe.test(name);
}

/**
 * packaging's `canonicalize_version`: the normal form, optionally without trailing ".0"s of the
 * release; text that is not a version is returned unchanged.
 */
export function canonicalizeVersion(text: string, stripTrailingZero = true): string {
  if (!isValidVersion(text)) return text;
  const v = parseVersion(text);
  let s = v.epoch !== 0 ? `${v.epoch}!` : "";
  let release = v.release.join(".");
  if (stripTrailingZero) release = release.replace(/(\.0)+$/, "");
  s += release;
  if (v.pre !== null) s += `${v.pre[0]}${v.pre[1]}`;
  if (v.post !== null) s += `.post${v.post}`;
  if (v.dev !== null) s += `.dev${v.dev}`;
  if (v.localParts !== null) s += `+${v.local}`;
  return s;
}
