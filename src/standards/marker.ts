/**
 * PEP 508 environment markers: parsing, printing and evaluation as packaging 24.x does them.
 *
 * Traps:
 * - A comparison is a version comparison whenever `<op><right-hand side>` parses as a specifier
 *   (`python_version >= "3.8"`); then the left side must be a version too, else InvalidVersion.
 *   Otherwise it is Python string comparison (code-point order), and `~=`/`===` on non-versions
 *   are UndefinedComparison. packaging >= 25 restricts version comparison to version-valued
 *   variables; 24.x does not, and neither do we.
 * - `extra` is compared after PEP 503 normalisation of both sides ("Foo_Bar" == "foo-bar").
 * - When neither side is a variable, packaging looks the right-hand string up as a variable name.
 * - `and` binds tighter than `or`; a variable on the right of an operator is allowed.
 * - A `python_full_version` ending in "+" (a dev build) gets "local" appended, so it parses.
 */
import type { MarkerEnvironment } from "../python/facts.ts";
import { InvalidMarker, UndefinedComparison, UndefinedEnvironmentName } from "./errors.ts";
import { canonicalizeName } from "./names.ts";
import { ParserSyntaxError, parseMarkerSyntax } from "./pep508Parser.ts";
import type { MarkerItem, MarkerList, MarkerOp, MarkerVar } from "./pep508Parser.ts";
import { compareCodePoints } from "./pyText.ts";
import { Specifier } from "./specifier.ts";
import { InvalidSpecifier } from "./errors.ts";

export type { MarkerItem, MarkerList, MarkerOp, MarkerVar } from "./pep508Parser.ts";

/** The marker environment: the probe's `marker_env`, optionally with `extra`. */
export type MarkerEnv = MarkerEnvironment | Readonly<Record<string, string>>;

export class Marker {
  /** The parsed tree, packaging's `_markers`. */
  readonly tree: MarkerList;
  constructor(tree: MarkerList) {
    this.tree = tree;
  }
  toString(): string {
    return formatMarker(this.tree, true);
  }
  toJSON(): string {
    return this.toString();
  }
  evaluate(env: MarkerEnv, extras?: readonly string[]): boolean {
    return evaluateMarker(this, env, extras);
  }
}

/** Parse a marker expression; throws `InvalidMarker` with the position of the problem. */
export function parseMarker(text: string): Marker {
  try {
    return new Marker(normalizeExtraValues(parseMarkerSyntax(text)));
  } catch (error) {
    if (error instanceof ParserSyntaxError) throw new InvalidMarker(text, error.reason, error.span);
    throw error;
  }
}

/**
 * packaging normalises a literal compared with `extra` at parse time, but only in the first item
 * of the top-level list; evaluation normalises everywhere, this only shows in `toString()`.
 */
export function normalizeExtraValues(tree: MarkerList): MarkerList {
  const first = tree[0];
  if (first !== undefined && isItem(first)) {
    let { lhs, rhs } = first;
    if (lhs.kind === "variable" && lhs.value === "extra") {
      rhs = { kind: "value", value: canonicalizeName(rhs.value) };
    } else if (rhs.kind === "variable" && rhs.value === "extra") {
      lhs = { kind: "value", value: canonicalizeName(lhs.value) };
    }
    tree[0] = { lhs, op: first.op, rhs };
  }
  return tree;
}

function isItem(atom: MarkerList[number]): atom is MarkerItem {
  return typeof atom === "object" && !Array.isArray(atom);
}

function serializeVar(v: MarkerVar): string {
  return v.kind === "variable" ? v.value : `"${v.value}"`;
}

function formatMarker(marker: MarkerList | MarkerItem | string, first: boolean): string {
  if (typeof marker === "string") return marker;
  if (!Array.isArray(marker)) return `${serializeVar(marker.lhs)} ${marker.op} ${serializeVar(marker.rhs)}`;
  if (marker.length === 1 && typeof marker[0] === "object") return formatMarker(marker[0], true);
  const inner = marker.map((m) => formatMarker(m, false)).join(" ");
  return first ? inner : `(${inner})`;
}

const STRING_OPS: Partial<Record<MarkerOp, (l: string, r: string) => boolean>> = {
  in: (l, r) => r.includes(l),
  "not in": (l, r) => !r.includes(l),
  "<": (l, r) => compareCodePoints(l, r) < 0,
  "<=": (l, r) => compareCodePoints(l, r) <= 0,
  "==": (l, r) => l === r,
  "!=": (l, r) => l !== r,
  ">=": (l, r) => compareCodePoints(l, r) >= 0,
  ">": (l, r) => compareCodePoints(l, r) > 0,
};

// Specifiers built from marker right-hand sides repeat a lot ("<3.8"); cache them.
const specCache = new Map<string, Specifier | null>();
function specifierFor(text: string): Specifier | null {
  let spec = specCache.get(text);
  if (spec === undefined) {
    try {
      spec = new Specifier(text);
    } catch (error) {
      if (!(error instanceof InvalidSpecifier)) throw error;
      spec = null;
    }
    if (specCache.size > 4096) specCache.clear();
    specCache.set(text, spec);
  }
  return spec;
}

function evalOp(lhs: string, op: MarkerOp, rhs: string): boolean {
  const spec = specifierFor(op + rhs);
  if (spec !== null) return spec.contains(lhs, { prereleases: true });
  const fn = STRING_OPS[op];
  if (fn === undefined) {
    throw new UndefinedComparison(
      `Undefined comparison: ${JSON.stringify(lhs)} ${op} ${JSON.stringify(rhs)}.`,
    );
  }
  return fn(lhs, rhs);
}

function lookup(env: Readonly<Record<string, string>>, key: string): string {
  const value = env[key];
  if (value === undefined || !Object.prototype.hasOwnProperty.call(env, key)) {
    throw new UndefinedEnvironmentName(key);
  }
  return value;
}

function evaluateList(markers: MarkerList, env: Readonly<Record<string, string>>): boolean {
  const groups: boolean[][] = [[]];
  for (const m of markers) {
    if (m === "or") groups.push([]);
    else if (m === "and") continue;
    else if (Array.isArray(m)) groups[groups.length - 1]!.push(evaluateList(m, env));
    else {
      let key: string;
      let l: string;
      let r: string;
      if (m.lhs.kind === "variable") {
        key = m.lhs.value;
        l = lookup(env, key);
        r = m.rhs.value;
      } else {
        l = m.lhs.value;
        key = m.rhs.value;
        r = lookup(env, key);
      }
      if (key === "extra") {
        l = canonicalizeName(l);
        r = canonicalizeName(r);
      }
      groups[groups.length - 1]!.push(evalOp(l, m.op, r));
    }
  }
  return groups.some((g) => g.every(Boolean));
}

/**
 * Evaluate a marker against an interpreter's marker environment. With `extras`, true when the
 * marker holds for any one of them (how pip asks "is this dependency needed for these extras");
 * without, `extra` is "" unless `env` sets it.
 */
export function evaluateMarker(marker: string | Marker, env: MarkerEnv, extras?: readonly string[]): boolean {
  const parsed = typeof marker === "string" ? parseMarker(marker) : marker;
  const base: Record<string, string> = { extra: "", ...(env as Record<string, string>) };
  if (base.python_full_version?.endsWith("+")) base.python_full_version += "local";
  if (extras === undefined || extras.length === 0) return evaluateList(parsed.tree, base);
  return extras.some((extra) => evaluateList(parsed.tree, { ...base, extra }));
}
