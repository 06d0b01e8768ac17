/**
 * Requires-Dist lines in the form the resolver works from: each line's canonical name and parsed
 * marker tree, kept next to its text. Everything here depends only on the lines (not on the
 * target interpreter), so a caller may store it next to an immutable wheel's hash and hand it back
 * on later runs (CandidateMetadata.prepared): then no line is parsed again just to learn that its
 * marker rules it out, which is most lines (pandas lists 84, of which a dozen apply without
 * extras). The full Requirement (specifier set, extras, URL) is built from the text only for the
 * lines the solver really uses (`materialize`).
 */
import {
  canonicalizeName,
  InvalidSpecifier,
  parseRequirement,
  Specifier,
  type MarkerItem,
  type MarkerList,
  type Requirement,
} from "../standards/index.ts";

export interface PreparedRequirement {
  /** The Requires-Dist line as published. */
  readonly text: string;
  /** Canonical project name. */
  readonly name: string;
  /** The normalised marker tree (`Requirement.marker.tree`), or null. */
  readonly marker: MarkerList | null;
  /** Set when the marker is exactly `extra == "<this>"` compared as text (see `extraOnlyValue`). */
  readonly extraOnly?: string;
}

export interface PreparedRequirements {
  /** Every line, in order; empty when `invalid` is set. */
  readonly items: readonly PreparedRequirement[];
  /** The first line that does not parse: the version's metadata is then unusable. */
  readonly invalid?: string;
}

/** Bump when the stored shape or the meaning of a tree changes (callers key caches with it). */
export const PREPARED_FORMAT = 2;

export function prepareRequirements(lines: readonly string[]): PreparedRequirements {
  const items: PreparedRequirement[] = [];
  for (const text of lines) {
    let req: Requirement;
    try {
      req = parseRequirement(text);
    } catch {
      return { items: [], invalid: text };
    }
    const marker = req.marker?.tree ?? null;
    const extraOnly = marker === null ? undefined : extraOnlyValue(marker);
    items.push({
      text,
      name: canonicalizeName(req.name),
      marker,
      ...(extraOnly === undefined ? {} : { extraOnly }),
    });
  }
  return { items };
}

/**
 * Most Requires-Dist markers are a lone `extra == "name"`. Evaluating one means canonicalising both
 * sides and then, because `==name` might be a version specifier, building a Specifier that fails by
 * throwing (once per extra name, thirty-odd for a warm install). When it is known ahead that the
 * comparison is textual, the marker holds exactly when the canonical extra equals this value
 * (markerMemo.ts). Returns undefined for every other marker, including `extra == "1.0"`, which is
 * compared as versions.
 */
function extraOnlyValue(tree: MarkerList): string | undefined {
  if (tree.length !== 1) return undefined;
  const item = tree[0]!;
  if (typeof item !== "object" || Array.isArray(item)) return undefined;
  if (item.op !== "==" || item.lhs.kind !== "variable" || item.lhs.value !== "extra") return undefined;
  if (item.rhs.kind !== "value") return undefined;
  const value = canonicalizeName(item.rhs.value);
  try {
    new Specifier(`==${value}`);
  } catch (error) {
    if (error instanceof InvalidSpecifier) return value;
    throw error;
  }
  return undefined;
}

/** The requirement of a prepared line; throws InvalidRequirement like `parseRequirement`. */
export function materialize(item: PreparedRequirement): Requirement {
  return parseRequirement(item.text);
}

const MARKER_OPS = new Set(["===", "==", "~=", "!=", "<=", ">=", "<", ">", "in", "not in"]);

function isMarkerVar(value: unknown): boolean {
  const v = value as { kind?: unknown; value?: unknown };
  return (
    typeof v === "object" &&
    v !== null &&
    (v.kind === "variable" || v.kind === "value") &&
    typeof v.value === "string"
  );
}

function isMarkerList(value: unknown, depth = 0): value is MarkerList {
  if (!Array.isArray(value) || depth > 100) return false;
  return value.every((atom) => {
    if (atom === "and" || atom === "or") return true;
    if (Array.isArray(atom)) return isMarkerList(atom, depth + 1);
    const item = atom as MarkerItem;
    return (
      typeof item === "object" &&
      item !== null &&
      MARKER_OPS.has(item.op) &&
      isMarkerVar(item.lhs) &&
      isMarkerVar(item.rhs)
    );
  });
}

/** A stored PreparedRequirements read back from disk, or undefined when it is not one. */
export function checkPrepared(value: unknown): PreparedRequirements | undefined {
  const v = value as { items?: unknown; invalid?: unknown };
  if (typeof v !== "object" || v === null || !Array.isArray(v.items)) return undefined;
  if (v.invalid !== undefined)
    return typeof v.invalid === "string" ? { items: [], invalid: v.invalid } : undefined;
  const ok = v.items.every((raw) => {
    const item = raw as { text?: unknown; name?: unknown; marker?: unknown; extraOnly?: unknown };
    return (
      typeof item === "object" &&
      item !== null &&
      typeof item.text === "string" &&
      typeof item.name === "string" &&
      (item.extraOnly === undefined || (typeof item.extraOnly === "string" && item.marker !== null)) &&
      (item.marker === null || isMarkerList(item.marker))
    );
  });
  return ok ? { items: v.items as PreparedRequirement[] } : undefined;
}
