/**
 * The PubGrub core: unit propagation, decision making, conflict resolution with learned
 * incompatibilities and backjumping (https://github.com/dart-lang/pub/blob/master/doc/solver.md).
 * It knows nothing of Python: packages are opaque keys, versions are indices into each package's
 * sorted universe, and a `SolverSource` answers for the facts. Only decision making awaits.
 */
import { countBits, hasBit, orBits, singletonBits, type Bits } from "./bitset.ts";
import {
  ROOT_PKG,
  isFailure,
  makeDerived,
  makeIncompatibility,
  type Incompatibility,
} from "./incompatibility.ts";
import { PartialSolution, type Assignment } from "./partialSolution.ts";
import {
  intersectTerms,
  isAlwaysTrue,
  negateTerm,
  negativeTerm,
  positiveTerm,
  termSatisfies,
  type Term,
} from "./term.ts";

export interface SolverSource {
  /** Number of candidate versions of a package the solver has been told about. */
  size(pkg: string): number;
  /**
   * Which member of `allowed` to try next (preferences live here), or -1 when it is empty.
   * `decisionOf` tells the version index already chosen for another package, or -1.
   */
  pickVersion(pkg: string, allowed: Bits, decisionOf: (pkg: string) => number): number;
  /**
   * What choosing this version implies: its dependencies, or why it cannot be chosen. Every
   * package these mention must have its universe loaded when the promise resolves.
   */
  versionFacts(pkg: string, index: number): Promise<Incompatibility[]>;
  /** Facts known as soon as a package is first mentioned (constraints, Requires-Python, ...). */
  packageFacts(pkg: string): Incompatibility[];
  /** A hint that `pkg` at `index` will probably be tried soon: start fetching, do not wait. */
  prefetch?(pkg: string, index: number): void;
}

/** Thrown when the root cannot be selected; `incompatibility` is the root of the derivation. */
export class SolveFailure extends Error {
  constructor(readonly incompatibility: Incompatibility) {
    super("no solution");
  }
}

export interface SolveStats {
  decisions: number;
  conflicts: number;
  incompatibilities: number;
}

export interface SolveOutcome {
  /** Chosen version index per package, root excluded. */
  decisions: Map<string, number>;
  stats: SolveStats;
}

const PREFETCH_BREADTH = 8;

export async function solve(source: SolverSource): Promise<SolveOutcome> {
  return new Solver(source).run();
}

class Solver {
  private readonly byPkg = new Map<string, Incompatibility[]>();
  private readonly discovery = new Map<string, number>();
  /** Latest merged dependency incompatibility per (dependent, dependency, set). */
  private readonly merged = new Map<string, Incompatibility>();
  private readonly factsOf = new Map<string, Incompatibility[]>();
  private readonly ps = new PartialSolution();
  private readonly stats: SolveStats = { decisions: 0, conflicts: 0, incompatibilities: 0 };

  private readonly decisionOf = (pkg: string): number => this.ps.decisionOf(pkg);

  constructor(private readonly source: SolverSource) {}

  async run(): Promise<SolveOutcome> {
    this.add(makeIncompatibility([negativeTerm(ROOT_PKG, singletonBits(1, 0))], { kind: "root" }));
    for (const fact of await this.source.versionFacts(ROOT_PKG, 0)) this.addFact(fact);
    let next = ROOT_PKG;
    for (;;) {
      this.propagate(next);
      const pkg = this.choosePackage();
      if (pkg === undefined) break;
      next = pkg;
      const allowed = this.ps.accumulated(pkg)!;
      const index = this.source.pickVersion(pkg, allowed.set, this.decisionOf);
      if (index < 0) {
        this.add(makeIncompatibility([allowed], { kind: "noVersions" }));
        continue;
      }
      // A version revisited after a backjump already has its facts in the store.
      const key = `${pkg}\0${index}`;
      let facts = this.factsOf.get(key);
      if (facts === undefined) {
        facts = (await this.source.versionFacts(pkg, index)).map((fact) => this.addFact(fact));
        this.factsOf.set(key, facts);
      }
      if (facts.some((fact) => this.wouldBeSatisfied(fact, pkg, index))) continue;
      this.ps.decide(pkg, index, this.source.size(pkg));
      this.stats.decisions++;
      this.prefetch();
    }
    const decisions = this.ps.decisions();
    decisions.delete(ROOT_PKG);
    return { decisions, stats: this.stats };
  }

  private register(pkg: string): void {
    if (this.discovery.has(pkg)) return;
    this.discovery.set(pkg, this.discovery.size);
    this.byPkg.set(pkg, []);
    for (const fact of this.source.packageFacts(pkg)) this.add(fact);
  }

  private add(inc: Incompatibility): void {
    for (const t of inc.terms) this.register(t.pkg);
    for (const t of inc.terms) this.byPkg.get(t.pkg)!.push(inc);
    this.stats.incompatibilities++;
  }

  private remove(inc: Incompatibility): void {
    for (const t of inc.terms) {
      const list = this.byPkg.get(t.pkg)!;
      const at = list.indexOf(inc);
      if (at >= 0) list.splice(at, 1);
    }
  }

  /**
   * Versions of one package with the same dependency become one incompatibility over all of
   * them, so a conflict learned for one version covers its siblings and reports read
   * `a>=1.0,<2.0 depends on b>=2` instead of one line per version.
   */
  private addFact(inc: Incompatibility): Incompatibility {
    if (inc.cause.kind === "dependency" && inc.terms.length === 2) {
      const [dependent, dependency] = inc.terms as [Term, Term];
      const key = `${dependent.pkg}\0${dependency.pkg}\0${dependency.label ?? ""}\0${dependency.set.join(",")}`;
      const previous = this.merged.get(key);
      if (previous !== undefined) {
        const union = orBits(previous.terms[0]!.set, dependent.set);
        inc = makeIncompatibility([positiveTerm(dependent.pkg, union), dependency], { kind: "dependency" });
        this.remove(previous);
      }
      this.merged.set(key, inc);
    }
    this.add(inc);
    return inc;
  }

  private wouldBeSatisfied(inc: Incompatibility, pkg: string, index: number): boolean {
    return inc.terms.every((t) => {
      if (t.pkg === pkg) return t.positive ? hasBit(t.set, index) : !hasBit(t.set, index);
      const acc = this.ps.accumulated(t.pkg);
      return acc === undefined ? isAlwaysTrue(t) : termSatisfies(acc, t);
    });
  }

  private propagate(start: string): void {
    const changed = new Set([start]);
    while (changed.size > 0) {
      const pkg: string = changed.values().next().value!;
      changed.delete(pkg);
      const list = this.byPkg.get(pkg)!;
      for (let i = list.length - 1; i >= 0; i--) {
        const inc = list[i]!;
        const relation = this.ps.relation(inc);
        if (relation.kind === "satisfied") {
          const learned = this.resolveConflict(inc);
          const after = this.ps.relation(learned);
          if (after.kind !== "almost") throw new Error("resolver invariant: learned clause is not unit");
          this.ps.derive(negateTerm(after.term), learned);
          changed.clear();
          changed.add(after.term.pkg);
          break;
        }
        if (relation.kind === "almost") {
          this.ps.derive(negateTerm(relation.term), inc);
          changed.add(relation.term.pkg);
        }
      }
    }
  }

  private resolveConflict(conflict: Incompatibility): Incompatibility {
    this.stats.conflicts++;
    let inc = conflict;
    for (;;) {
      if (isFailure(inc)) throw new SolveFailure(inc);
      let satisfier: Assignment | null = null;
      let satisfierTerm: Term | undefined;
      let previousIndex = -1;
      for (const t of inc.terms) {
        // An always-true term (a dependency on a set with no versions) needs no satisfier; its
        // package's first assignment would otherwise pose as one and misplace the backjump.
        if (isAlwaysTrue(t)) continue;
        const a = this.ps.satisfier(t);
        if (a === null) continue;
        if (satisfier === null || a.index > satisfier.index) {
          if (satisfier !== null) previousIndex = Math.max(previousIndex, satisfier.index);
          satisfier = a;
          satisfierTerm = t;
        } else {
          previousIndex = Math.max(previousIndex, a.index);
        }
      }
      if (satisfier === null || satisfierTerm === undefined)
        throw new Error("resolver invariant: conflict without satisfier");
      const previous = this.ps.previousSatisfier(satisfierTerm, satisfier);
      if (previous !== null) previousIndex = Math.max(previousIndex, previous.index);
      const previousLevel = previousIndex >= 0 ? this.ps.assignments[previousIndex]!.level : 0;

      if (satisfier.cause === null || previousLevel < satisfier.level) {
        if (inc !== conflict) this.add(inc);
        this.ps.backtrack(previousLevel);
        return inc;
      }

      const cause = satisfier.cause;
      // The cause is usually the older fact; listing its terms first reads in discovery order.
      const terms = [
        ...cause.terms.filter((t) => t.pkg !== satisfier.term.pkg),
        ...inc.terms.filter((t) => t.pkg !== satisfier.term.pkg),
      ];
      if (!termSatisfies(satisfier.term, satisfierTerm)) {
        terms.push(negateTerm(intersectTerms(satisfier.term, negateTerm(satisfierTerm))));
      }
      inc = makeDerived(terms, inc, cause);
    }
  }

  private priority(pkg: string, acc: Term): number {
    return countBits(acc.set) * 1_000_000 + this.discovery.get(pkg)!;
  }

  /** Fewest remaining versions first (conflicts surface sooner), then discovery order. */
  private choosePackage(): string | undefined {
    let best: string | undefined;
    let bestPriority = Infinity;
    for (const [pkg, acc] of this.ps.undecided()) {
      if (pkg === ROOT_PKG) continue;
      const p = this.priority(pkg, acc);
      if (p < bestPriority) {
        best = pkg;
        bestPriority = p;
      }
    }
    return best;
  }

  private prefetch(): void {
    const prefetch = this.source.prefetch?.bind(this.source);
    if (prefetch === undefined) return;
    // The few packages decision making will take next (a small top-k, not a full sort).
    const next: [number, string, Term][] = [];
    for (const [pkg, acc] of this.ps.undecided()) {
      if (pkg === ROOT_PKG) continue;
      const p = this.priority(pkg, acc);
      if (next.length === PREFETCH_BREADTH && p >= next[next.length - 1]![0]) continue;
      let at = next.length;
      while (at > 0 && next[at - 1]![0] > p) at--;
      next.splice(at, 0, [p, pkg, acc]);
      if (next.length > PREFETCH_BREADTH) next.pop();
    }
    for (const [, pkg, acc] of next) {
      const index = this.source.pickVersion(pkg, acc.set, this.decisionOf);
      if (index >= 0) prefetch(pkg, index);
    }
  }
}
