/**
 * PubGrub terms over finite universes.
 *
 * A positive term `p ∈ S` is true when p is selected at a version in S. A negative term
 * `¬(p ∈ S)` is true when p is not selected at all, or selected outside S. Seen as sets of
 * "states" (not selected, or one of the versions), a negative term always contains "not
 * selected", which is what makes the four cases below asymmetric. `¬(p ∈ ∅)` is always true.
 */
import {
  andBits,
  andNotBits,
  emptyBits,
  isDisjointBits,
  isEmptyBits,
  isSubsetBits,
  orBits,
  type Bits,
} from "./bitset.ts";

export interface Term {
  readonly pkg: string;
  readonly positive: boolean;
  readonly set: Bits;
  /**
   * The requirement text this term was built from (`b>=2`), kept for explanations. Only set on
   * terms that came straight from a requirement; derived sets are rendered from their members.
   */
  readonly label?: string;
}

export function positiveTerm(pkg: string, set: Bits, label?: string): Term {
  return label === undefined ? { pkg, positive: true, set } : { pkg, positive: true, set, label };
}

export function negativeTerm(pkg: string, set: Bits, label?: string): Term {
  return label === undefined ? { pkg, positive: false, set } : { pkg, positive: false, set, label };
}

/** The term that says nothing: what the partial solution knows of a package it never mentioned. */
export function anyTerm(pkg: string, size: number): Term {
  return { pkg, positive: false, set: emptyBits(size) };
}

export function negateTerm(t: Term): Term {
  return t.label === undefined
    ? { pkg: t.pkg, positive: !t.positive, set: t.set }
    : { pkg: t.pkg, positive: !t.positive, set: t.set, label: t.label };
}

export function intersectTerms(a: Term, b: Term): Term {
  if (a.positive && b.positive) return positiveTerm(a.pkg, andBits(a.set, b.set));
  if (a.positive) return positiveTerm(a.pkg, andNotBits(a.set, b.set));
  if (b.positive) return positiveTerm(a.pkg, andNotBits(b.set, a.set));
  return negativeTerm(a.pkg, orBits(a.set, b.set));
}

/** a ⊆ b, i.e. whenever a holds, b holds. */
export function termSatisfies(a: Term, b: Term): boolean {
  if (a.positive) return b.positive ? isSubsetBits(a.set, b.set) : isDisjointBits(a.set, b.set);
  return b.positive ? false : isSubsetBits(b.set, a.set);
}

/** a ∩ b = ∅, i.e. a and b can never hold together. */
export function termsDisjoint(a: Term, b: Term): boolean {
  if (a.positive) return b.positive ? isDisjointBits(a.set, b.set) : isSubsetBits(a.set, b.set);
  return b.positive ? isSubsetBits(b.set, a.set) : false;
}

/** True for `¬(p ∈ ∅)`, which every state satisfies. */
export function isAlwaysTrue(t: Term): boolean {
  return !t.positive && isEmptyBits(t.set);
}
