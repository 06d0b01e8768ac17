/**
 * The Python side of the solver: turns projects, Requires-Dist, markers, extras, Requires-Python
 * and constraints into incompatibilities over bitsets.
 *
 * Traps:
 * - Extras are virtual packages, as in uv: `a[x]` at version v depends on `a==v` plus the
 *   requirements whose marker holds for `extra == "x"` (and not already without it). So `a` and
 *   `a[x]` can never disagree on the version, and each extra is resolved on its own.
 * - Markers are evaluated against the target interpreter's environment, never this process.
 * - Requires-Python is a fact about a version, not a dependency: a version that excludes the
 *   target becomes an incompatibility of its own, so the explanation can say why it was skipped.
 * - Constraints restrict a project only if something else brings it in: `{a ∈ not-allowed}` is a
 *   single positive term, which propagation turns into "a, if selected, is in the allowed set".
 */
import {
  canonicalizeName,
  evaluateMarker,
  parseSpecifierSet,
  type Requirement,
  type SpecifierSet,
} from "../standards/index.ts";
import type { MarkerEnvironment } from "../python/facts.ts";
import {
  andBits,
  bitsFromIndices,
  complementBits,
  hasBit,
  highestBit,
  isEmptyBits,
  orBits,
  singletonBits,
  type Bits,
} from "./bitset.ts";
import type { Catalog } from "./describe.ts";
import { ROOT_PKG, makeIncompatibility, type Incompatibility } from "./incompatibility.ts";
import type { SolverSource } from "./solver.ts";
import { negativeTerm, positiveTerm } from "./term.ts";
import { buildUniverse, type Universe } from "./universe.ts";
import { checkRootRequirement } from "./checkRootRequirement.ts";
import { requirementLabel } from "./requirementLabel.ts";
import { VersionSets, isExactPin } from "./versionSets.ts";
import type { Candidate, CandidateMetadata, Provider } from "./types.ts";
import { MarkerMemo, type MemoMarker } from "./markerMemo.ts";
import { materialize, prepareRequirements, type PreparedRequirement } from "./preparedRequirements.ts";

export interface SourceOptions {
  env: MarkerEnvironment;
  pythonVersion: string;
  roots: readonly Requirement[];
  constraints: readonly Requirement[];
  pre: boolean;
  prefer: ReadonlyMap<string, string>;
  prefetchConcurrency: number;
}

/**
 * Dependencies of one candidate; `invalid` names a line that did not parse. A line's Requirement
 * is built only when the solver needs it (`requirementAt`): most lines are ruled out by their
 * marker, which is evaluated from the prepared tree.
 */
export interface ParsedMetadata {
  readonly lines: readonly PreparedRequirement[];
  readonly markers: readonly (MemoMarker | null)[];
  readonly requiresPython: string | null;
  readonly invalid?: string;
  readonly built: (Requirement | undefined)[];
}

function requirementAt(md: ParsedMetadata, i: number): Requirement {
  return (md.built[i] ??= materialize(md.lines[i]!));
}

export function packageKey(name: string, extra?: string): string {
  return extra === undefined ? name : `${name}[${extra}]`;
}

export function splitKey(key: string): { name: string; extra?: string } {
  const open = key.indexOf("[");
  return open < 0 ? { name: key } : { name: key.slice(0, open), extra: key.slice(open + 1, -1) };
}

export class PythonSource<C extends Candidate> implements SolverSource, Catalog {
  private readonly universes = new Map<string, Universe<C>>();
  /** Each listed project's candidates as the provider gave them (for memo.ts). */
  readonly lists = new Map<string, readonly C[]>();
  private readonly loading = new Map<string, Promise<Universe<C>>>();
  private readonly metadata = new Map<string, Promise<ParsedMetadata>>();
  private readonly constraints = new Map<string, Requirement[]>();
  private readonly sets: VersionSets;
  private readonly hiddenBits = new Map<string, Bits>();
  private prefetching = 0;
  private readonly prefetchQueue: [string, number][] = [];
  metadataFetches = 0;
  readonly markerMemo: MarkerMemo;

  constructor(
    private readonly provider: Provider<C>,
    private readonly options: SourceOptions,
  ) {
    this.markerMemo = new MarkerMemo(options.env);
    const rootSpecifiers = new Map<string, SpecifierSet[]>();
    const pins = new Map<string, SpecifierSet[]>();
    for (const req of [...options.roots, ...options.constraints]) {
      if (req.url !== null) continue;
      const name = canonicalizeName(req.name);
      rootSpecifiers.set(name, [...(rootSpecifiers.get(name) ?? []), req.specifier]);
      if (isExactPin(req.specifier)) pins.set(name, [...(pins.get(name) ?? []), req.specifier]);
    }
    for (const req of options.constraints) {
      if (req.marker !== null && !evaluateMarker(req.marker, options.env)) continue;
      const name = canonicalizeName(req.name);
      this.constraints.set(name, [...(this.constraints.get(name) ?? []), req]);
    }
    this.sets = new VersionSets({ pre: options.pre, rootSpecifiers, pins });
  }

  // --- Catalog (for explanations) ---

  display(pkg: string): string {
    return pkg === ROOT_PKG ? "your requirements" : pkg;
  }

  versions(pkg: string): readonly string[] {
    return this.universes.get(splitKey(pkg).name)?.texts ?? [];
  }

  hidden(pkg: string): Bits | undefined {
    const name = splitKey(pkg).name;
    let bits = this.hiddenBits.get(name);
    const universe = this.universes.get(name);
    if (bits === undefined && universe !== undefined) {
      bits = this.options.pre ? universe.yanked : orBits(universe.yanked, universe.prerelease);
      this.hiddenBits.set(name, bits);
    }
    return bits;
  }

  /** Whether some project seen has pre-releases that the policy kept out (for the hint). */
  holdsBackPrereleases(): boolean {
    if (this.options.pre) return false;
    return [...this.universes.values()].some((u) => !isEmptyBits(u.prerelease));
  }

  universe(name: string): Universe<C> | undefined {
    return this.universes.get(name);
  }

  // --- Loading ---

  load(name: string): Promise<Universe<C>> {
    let pending = this.loading.get(name);
    if (pending === undefined) {
      pending = this.provider.candidates(name).then((raw) => {
        this.lists.set(name, raw);
        const universe = buildUniverse(name, raw, this.options.prefer.get(name));
        this.universes.set(name, universe);
        if (universe.candidates.length > 0) {
          const pick = this.likelyPick(universe);
          try {
            this.provider.expect?.(name, universe.candidates[pick]!);
          } catch {
            // Only a hint: whatever it started or failed to start, the resolution goes on.
          }
          this.prefetch(name, pick);
        }
        return universe;
      });
      pending.catch(() => {});
      this.loading.set(name, pending);
    }
    return pending;
  }

  parsedMetadata(name: string, index: number): Promise<ParsedMetadata> {
    const key = `${name}\0${index}`;
    let pending = this.metadata.get(key);
    if (pending === undefined) {
      const candidate = this.universes.get(name)!.candidates[index]!;
      this.metadataFetches++;
      pending = this.provider.dependencies(name, candidate).then((md) => this.parseMetadata(md));
      pending.catch(() => {});
      this.metadata.set(key, pending);
    }
    return pending;
  }

  private parseMetadata(md: CandidateMetadata): ParsedMetadata {
    const prepared = md.prepared ?? prepareRequirements(md.requiresDist);
    const requiresPython = md.requiresPython ?? null;
    if (prepared.invalid !== undefined) {
      return { lines: [], markers: [], requiresPython, invalid: prepared.invalid, built: [] };
    }
    const lines = prepared.items;
    const markers = lines.map((line) =>
      line.marker === null ? null : this.markerMemo.intern(line.marker, line.extraOnly),
    );
    // Start listing the projects this version needs: the solver will ask for them next.
    markers.forEach((marker, i) => {
      let needed: boolean;
      try {
        needed = marker === null || this.markerMemo.evaluate(marker);
      } catch {
        needed = false; // reported when the solver looks at this version
      }
      if (needed) void this.load(lines[i]!.name).catch(() => {});
    });
    return { lines, markers, requiresPython, built: [] };
  }

  /** Which lines of a version apply to `extra` (or to the version itself); throws on a bad marker. */
  private applying(md: ParsedMetadata, extra: string | undefined): number[] {
    const out: number[] = [];
    md.markers.forEach((marker, i) => {
      if (this.appliesTo(marker, extra)) out.push(i);
    });
    return out;
  }

  /** Every candidate whose metadata was asked for, speculatively or not (for memo.ts). */
  metadataRead(): C[] {
    return [...this.metadata.keys()].map((key) => {
      const [name, index] = key.split("\0") as [string, string];
      return this.universes.get(name)!.candidates[Number(index)]!;
    });
  }

  // --- SolverSource ---

  size(pkg: string): number {
    if (pkg === ROOT_PKG) return 1;
    return this.universes.get(splitKey(pkg).name)!.candidates.length;
  }

  pickVersion(pkg: string, allowed: Bits, decisionOf: (pkg: string) => number): number {
    if (pkg === ROOT_PKG) return 0;
    const { name, extra } = splitKey(pkg);
    if (extra !== undefined) {
      const base = decisionOf(name);
      if (base >= 0 && hasBit(allowed, base)) return base;
    }
    const preferred = this.universes.get(name)!.preferred;
    if (preferred >= 0 && hasBit(allowed, preferred)) return preferred;
    return highestBit(allowed);
  }

  /**
   * Metadata fetches dominate real resolution time, and the solver's next steps are predictable:
   * it will most likely take the preferred or newest version of every project it has just
   * learned about. So those fetches are queued as soon as a project's candidates arrive (and
   * when the solver hints at its next choices), and run at most `prefetchConcurrency` at a time.
   * Fetches the solver actually waits for bypass the queue.
   */
  prefetch(pkg: string, index: number): void {
    if (pkg === ROOT_PKG || this.options.prefetchConcurrency <= 0) return;
    const name = splitKey(pkg).name;
    if (this.metadata.has(`${name}\0${index}`)) return;
    this.prefetchQueue.push([name, index]);
    this.pumpPrefetch();
  }

  private pumpPrefetch(): void {
    while (this.prefetching < this.options.prefetchConcurrency && this.prefetchQueue.length > 0) {
      const [name, index] = this.prefetchQueue.shift()!;
      if (this.metadata.has(`${name}\0${index}`)) continue;
      this.prefetching++;
      void this.parsedMetadata(name, index)
        .catch(() => {})
        .finally(() => {
          this.prefetching--;
          this.pumpPrefetch();
        });
    }
  }

  /**
   * The version the solver will most likely try first: preferred, else the newest visible one the
   * user's own requirements and constraints on this project admit (`numpy<2` on the command line
   * must not send numpy 2's wheel to be unpacked ahead: the hint may start an import).
   */
  private likelyPick(universe: Universe<C>): number {
    if (universe.preferred >= 0) return universe.preferred;
    const hidden = this.hidden(universe.name);
    let allowed: Bits | undefined;
    for (const req of [...this.options.roots, ...this.options.constraints]) {
      if (canonicalizeName(req.name) !== universe.name) continue;
      const admitted = this.sets.admits(universe, req);
      allowed = allowed === undefined ? admitted : andBits(allowed, admitted);
    }
    for (let i = universe.candidates.length - 1; i >= 0; i--) {
      if (hidden !== undefined && hasBit(hidden, i)) continue;
      if (allowed === undefined || hasBit(allowed, i)) return i;
    }
    return universe.candidates.length - 1;
  }

  packageFacts(pkg: string): Incompatibility[] {
    if (pkg === ROOT_PKG || splitKey(pkg).extra !== undefined) return [];
    const universe = this.universes.get(pkg)!;
    const facts: Incompatibility[] = [];
    for (const req of this.constraints.get(pkg) ?? []) {
      const forbidden = complementBits(this.sets.admits(universe, req), universe.candidates.length);
      if (isEmptyBits(forbidden)) continue;
      facts.push(
        makeIncompatibility([positiveTerm(pkg, forbidden)], {
          kind: "constraint",
          label: requirementLabel(pkg, req),
        }),
      );
    }
    // File-level Requires-Python, grouped so one fact covers every version with the same range.
    const byRange = new Map<string, number[]>();
    universe.candidates.forEach((c, i) => {
      if (c.requiresPython && !this.pythonSatisfies(c.requiresPython)) {
        byRange.set(c.requiresPython, [...(byRange.get(c.requiresPython) ?? []), i]);
      }
    });
    for (const [range, members] of byRange)
      facts.push(this.requiresPythonFact(pkg, bitsFromIndices(universe.candidates.length, members), range));
    return facts;
  }

  async versionFacts(pkg: string, index: number): Promise<Incompatibility[]> {
    if (pkg === ROOT_PKG) return this.rootFacts();
    const { name, extra } = splitKey(pkg);
    const universe = this.universes.get(name)!;
    const self = positiveTerm(pkg, singletonBits(universe.candidates.length, index));
    const md = await this.parsedMetadata(name, index);
    if (md.invalid !== undefined) {
      return [
        makeIncompatibility([self], {
          kind: "unavailable",
          reason: `its metadata has an invalid requirement '${md.invalid}'`,
        }),
      ];
    }
    if (extra === undefined && md.requiresPython !== null && !this.pythonSatisfies(md.requiresPython)) {
      return [this.requiresPythonFact(pkg, self.set, md.requiresPython)];
    }
    const facts: Incompatibility[] = [];
    if (extra !== undefined) {
      const label = `${name}==${universe.texts[index]}`;
      facts.push(makeIncompatibility([self, negativeTerm(name, self.set, label)], { kind: "dependency" }));
    }
    let applying: number[];
    try {
      applying = this.applying(md, extra);
    } catch (error) {
      // A marker that cannot be evaluated (e.g. comparing a non-version with a version operator)
      // is a defect of that release's metadata, not a reason to fail the whole resolution.
      const reason = error instanceof Error ? error.message : String(error);
      return [
        makeIncompatibility([self], {
          kind: "unavailable",
          reason: `its metadata has a bad marker: ${reason}`,
        }),
      ];
    }
    const wanted: Requirement[] = [];
    for (const i of applying) {
      try {
        wanted.push(requirementAt(md, i));
      } catch {
        // Only reachable with prepared lines handed in by the provider that do not parse after all.
        return [
          makeIncompatibility([self], {
            kind: "unavailable",
            reason: `its metadata has an invalid requirement '${md.lines[i]!.text}'`,
          }),
        ];
      }
    }
    facts.push(...(await this.dependencyFacts(pkg, self.set, wanted)));
    return facts;
  }

  /** Base requirements apply with extra == ""; an extra adds only what its own marker enables. */
  private appliesTo(marker: MemoMarker | null, extra: string | undefined): boolean {
    if (marker === null) return extra === undefined;
    const withoutExtra = this.markerMemo.evaluate(marker);
    if (extra === undefined) return withoutExtra;
    return !withoutExtra && this.markerMemo.evaluate(marker, extra);
  }

  private async rootFacts(): Promise<Incompatibility[]> {
    const wanted = this.options.roots.filter(
      (req) => req.marker === null || evaluateMarker(req.marker, this.options.env),
    );
    return this.dependencyFacts(ROOT_PKG, singletonBits(1, 0), wanted);
  }

  private async dependencyFacts(
    pkg: string,
    versions: Bits,
    requires: readonly Requirement[],
  ): Promise<Incompatibility[]> {
    await Promise.all(requires.map((req) => this.load(canonicalizeName(req.name))));
    const self = positiveTerm(pkg, versions);
    const facts: Incompatibility[] = [];
    for (const req of requires) {
      const name = canonicalizeName(req.name);
      const universe = this.universes.get(name)!;
      const admitted = this.sets.admits(universe, req);
      if (pkg === ROOT_PKG) checkRootRequirement(req, universe, admitted);
      const extras = req.extras.map((e) => canonicalizeName(e));
      const targets = extras.length === 0 ? [name] : extras.map((e) => packageKey(name, e));
      for (const target of targets) {
        if (target === pkg) continue;
        const dependency = negativeTerm(target, admitted, requirementLabel(target, req));
        facts.push(makeIncompatibility([self, dependency], { kind: "dependency" }));
      }
    }
    return facts;
  }

  private requiresPythonFact(pkg: string, versions: Bits, range: string): Incompatibility {
    return makeIncompatibility([positiveTerm(pkg, versions)], {
      kind: "requiresPython",
      requiresPython: range,
      pythonVersion: this.options.pythonVersion,
    });
  }

  private readonly pythonMemo = new Map<string, boolean>();

  private pythonSatisfies(range: string): boolean {
    let ok = this.pythonMemo.get(range);
    if (ok === undefined) {
      try {
        ok = parseSpecifierSet(range).contains(this.options.pythonVersion, { prereleases: true });
      } catch {
        // pip ignores a Requires-Python it cannot parse rather than rejecting the version.
        ok = true;
      }
      this.pythonMemo.set(range, ok);
    }
    return ok;
  }
}
