/**
 * Incompatibilities: sets of terms that must not all hold. External ones carry the fact that
 * produced them (a dependency, a Requires-Python mismatch, ...); derived ones carry the two
 * incompatibilities they were resolved from, which is the derivation graph the error report walks.
 */
import { intersectTerms, isAlwaysTrue, type Term } from "./term.ts";

/** The package that stands for the user's own requirements. Not a valid project name. */
export const ROOT_PKG = "<root>";

export type ExternalCause =
  | { kind: "root" }
  | { kind: "dependency" }
  | { kind: "requiresPython"; requiresPython: string; pythonVersion: string }
  | { kind: "unavailable"; reason: string }
  | { kind: "constraint"; label: string }
  | { kind: "noVersions" };

export type Cause = ExternalCause | { kind: "derived"; left: Incompatibility; right: Incompatibility };

export interface Incompatibility {
  readonly id: number;
  readonly terms: readonly Term[];
  readonly cause: Cause;
}

let nextId = 0;

export function makeIncompatibility(terms: readonly Term[], cause: Cause): Incompatibility {
  return { id: nextId++, terms, cause };
}

/**
 * Builds a derived incompatibility: terms on the same package are intersected (`{t1, t2}` forbids
 * exactly `t1 ∩ t2`), always-true terms are dropped, and positive root terms are dropped when
 * other terms remain, since the root is always selected.
 */
export function makeDerived(
  terms: readonly Term[],
  left: Incompatibility,
  right: Incompatibility,
): Incompatibility {
  const byPkg = new Map<string, Term>();
  for (const t of terms) {
    const seen = byPkg.get(t.pkg);
    byPkg.set(t.pkg, seen === undefined ? t : intersectTerms(seen, t));
  }
  let merged = [...byPkg.values()].filter((t) => !isAlwaysTrue(t));
  if (merged.length > 1) merged = merged.filter((t) => !(t.pkg === ROOT_PKG && t.positive));
  return makeIncompatibility(merged, { kind: "derived", left, right });
}

/** The root cannot be selected: the search has failed and this incompatibility explains why. */
export function isFailure(inc: Incompatibility): boolean {
  if (inc.terms.length === 0) return true;
  const only = inc.terms[0]!;
  return inc.terms.length === 1 && only.pkg === ROOT_PKG && only.positive;
}

export function termFor(inc: Incompatibility, pkg: string): Term | undefined {
  return inc.terms.find((t) => t.pkg === pkg);
}
