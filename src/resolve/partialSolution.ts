/**
 * The partial solution: an ordered list of assignments (decisions and derivations), with the
 * running intersection per package so relation checks cost one pass over an incompatibility.
 * Decision levels count decisions; level 0 holds what follows from the root alone.
 */
import { singletonBits } from "./bitset.ts";
import type { Incompatibility } from "./incompatibility.ts";
import {
  intersectTerms,
  isAlwaysTrue,
  positiveTerm,
  termSatisfies,
  termsDisjoint,
  type Term,
} from "./term.ts";

export interface Assignment {
  readonly term: Term;
  readonly level: number;
  /** null for a decision. */
  readonly cause: Incompatibility | null;
  readonly index: number;
}

interface PackageState {
  assignments: Assignment[];
  accumulated: Term;
  /** The chosen version index, or -1. */
  decision: number;
}

export type Relation =
  | { kind: "satisfied" }
  | { kind: "contradicted" }
  | { kind: "almost"; term: Term }
  | { kind: "inconclusive" };

export class PartialSolution {
  readonly assignments: Assignment[] = [];
  level = 0;
  private readonly states = new Map<string, PackageState>();

  accumulated(pkg: string): Term | undefined {
    return this.states.get(pkg)?.accumulated;
  }

  decisionOf(pkg: string): number {
    return this.states.get(pkg)?.decision ?? -1;
  }

  decide(pkg: string, index: number, size: number): void {
    this.level++;
    this.push(positiveTerm(pkg, singletonBits(size, index)), null);
    this.states.get(pkg)!.decision = index;
  }

  derive(term: Term, cause: Incompatibility): void {
    this.push(term, cause);
  }

  private push(term: Term, cause: Incompatibility | null): void {
    const assignment: Assignment = { term, level: this.level, cause, index: this.assignments.length };
    this.assignments.push(assignment);
    const state = this.states.get(term.pkg);
    if (state === undefined) {
      this.states.set(term.pkg, { assignments: [assignment], accumulated: term, decision: -1 });
    } else {
      state.assignments.push(assignment);
      state.accumulated = intersectTerms(state.accumulated, term);
    }
  }

  backtrack(level: number): void {
    const touched = new Set<string>();
    while (this.assignments.length > 0 && this.assignments[this.assignments.length - 1]!.level > level) {
      touched.add(this.assignments.pop()!.term.pkg);
    }
    for (const pkg of touched) {
      const state = this.states.get(pkg)!;
      state.assignments = state.assignments.filter((a) => a.level <= level);
      if (state.assignments.length === 0) {
        this.states.delete(pkg);
        continue;
      }
      state.accumulated = state.assignments.map((a) => a.term).reduce(intersectTerms);
      if (!state.assignments.some((a) => a.cause === null)) state.decision = -1;
    }
    this.level = level;
  }

  relation(inc: Incompatibility): Relation {
    let unsatisfied: Term | undefined;
    for (const t of inc.terms) {
      const acc = this.states.get(t.pkg)?.accumulated;
      if (acc === undefined) {
        // Nothing known about the package: only an always-true term is satisfied, and only a
        // positive term with no versions is contradicted.
        if (isAlwaysTrue(t)) continue;
        if (t.positive && t.set.every((w) => w === 0)) return { kind: "contradicted" };
      } else {
        if (termSatisfies(acc, t)) continue;
        if (termsDisjoint(acc, t)) return { kind: "contradicted" };
      }
      if (unsatisfied !== undefined) return { kind: "inconclusive" };
      unsatisfied = t;
    }
    return unsatisfied === undefined ? { kind: "satisfied" } : { kind: "almost", term: unsatisfied };
  }

  /** The earliest assignment after which `term` is satisfied, or null if nothing was needed. */
  satisfier(term: Term): Assignment | null {
    const state = this.states.get(term.pkg);
    if (state === undefined) return null;
    let acc: Term | undefined;
    for (const a of state.assignments) {
      acc = acc === undefined ? a.term : intersectTerms(acc, a.term);
      if (termSatisfies(acc, term)) return a;
    }
    throw new Error(`resolver invariant: ${term.pkg} is not satisfied by the partial solution`);
  }

  /**
   * The earliest assignment of the same package before `satisfier` such that it, its
   * predecessors and `satisfier` together satisfy `term`; null when `satisfier` suffices alone.
   */
  previousSatisfier(term: Term, satisfier: Assignment): Assignment | null {
    if (termSatisfies(satisfier.term, term)) return null;
    const state = this.states.get(term.pkg)!;
    let acc: Term | undefined;
    for (const a of state.assignments) {
      if (a === satisfier) break;
      acc = acc === undefined ? a.term : intersectTerms(acc, a.term);
      if (termSatisfies(intersectTerms(acc, satisfier.term), term)) return a;
    }
    throw new Error(`resolver invariant: no previous satisfier for ${term.pkg}`);
  }

  /** Packages that must be selected but have no decision yet. */
  *undecided(): Iterable<[string, Term]> {
    for (const [pkg, state] of this.states) {
      if (state.decision < 0 && state.accumulated.positive) yield [pkg, state.accumulated];
    }
  }

  decisions(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [pkg, state] of this.states) if (state.decision >= 0) out.set(pkg, state.decision);
    return out;
  }
}
