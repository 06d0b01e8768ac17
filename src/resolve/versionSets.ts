/**
 * Which candidates a requirement admits, with pip's policies folded in:
 * - pre-releases only with `--pre`, when a root requirement or constraint of that project
 *   mentions one (`>=2.0b1`), when the specifier itself mentions one, or when no final release
 *   matches the specifier at all;
 * - yanked releases (PEP 592) only when pinned exactly with `==`/`===` by that requirement or by a
 *   root requirement or constraint (so `a==1.0` from the user also lets `a>=0.9` elsewhere match);
 * - a direct URL requirement admits exactly the candidates made from that URL.
 *
 * Trap: the "no final release matches" fallback is decided per specifier, as PEP 440 words it.
 * pip decides it on the intersection of every specifier it has seen for the project, so two
 * dependencies `a` and `a>=2` (with only 2.0rc1 at or above 2) resolve under pip and not here. A
 * set must be fixed when its incompatibility is created, which rules out pip's moving target.
 * Root requirements and constraints are known up front, so for them pip's rule is followed.
 */
import type { Requirement, SpecifierSet } from "../standards/index.ts";
import { bitsFromIndices, type Bits } from "./bitset.ts";
import type { Universe } from "./universe.ts";
import type { Candidate } from "./types.ts";

export interface SetPolicy {
  pre: boolean;
  /** Specifiers of the root requirements and constraints, per project. */
  rootSpecifiers: ReadonlyMap<string, readonly SpecifierSet[]>;
  /** Exact pins from root requirements and constraints, per project. */
  pins: ReadonlyMap<string, readonly SpecifierSet[]>;
}

/** `==1.0` or `===1.0` alone (a wildcard `==1.*` is not a pin). */
export function isExactPin(specifier: SpecifierSet): boolean {
  if (specifier.specifiers.length !== 1) return false;
  const only = specifier.specifiers[0]!;
  return only.operator === "===" || (only.operator === "==" && !only.version.endsWith(".*"));
}

export class VersionSets {
  private readonly memo = new Map<string, Bits>();

  constructor(private readonly policy: SetPolicy) {}

  admits<C extends Candidate>(universe: Universe<C>, requirement: Requirement): Bits {
    const key = `${universe.name}\0${requirement.url ?? ""}\0${requirement.specifier.toString()}`;
    let bits = this.memo.get(key);
    if (bits === undefined) {
      bits = this.compute(universe, requirement);
      this.memo.set(key, bits);
    }
    return bits;
  }

  private readonly userPre = new Map<string, boolean>();

  /**
   * The user asked for a project's pre-releases when a root requirement or constraint mentions
   * one (`>=2.0b1`) or can only be met by one (`>=2` when 2.0rc1 is the only release at or
   * above 2). Then every requirement on that project admits them, as pip's merged specifier does.
   */
  private userWantsPrereleases<C extends Candidate>(universe: Universe<C>): boolean {
    let wants = this.userPre.get(universe.name);
    if (wants === undefined) {
      wants = (this.policy.rootSpecifiers.get(universe.name) ?? []).some(
        (spec) =>
          spec.prereleases === true ||
          (spec.size > 0 &&
            !universe.versions.some((v) => !v.isPrerelease && spec.contains(v, { prereleases: false }))),
      );
      this.userPre.set(universe.name, wants);
    }
    return wants;
  }

  private compute<C extends Candidate>(universe: Universe<C>, requirement: Requirement): Bits {
    const size = universe.candidates.length;
    if (requirement.url !== null) {
      const url = requirement.url;
      return bitsFromIndices(
        size,
        indicesWhere(universe, (c) => c.url === url),
      );
    }
    const spec = requirement.specifier;
    const pinned = isExactPin(spec);
    const pins = this.policy.pins.get(universe.name) ?? [];
    const yankAllowed = (i: number): boolean =>
      universe.candidates[i]!.yanked !== true ||
      pinned ||
      pins.some((pin) => pin.contains(universe.versions[i]!, { prereleases: true }));
    const explicit = this.policy.pre || this.userWantsPrereleases(universe) ? true : undefined;
    const matching = (prereleases: boolean | undefined) =>
      indicesWhere(
        universe,
        (_c, i) => spec.contains(universe.versions[i]!, { prereleases }) && yankAllowed(i),
      );
    let members = matching(explicit);
    // pip: when no final release matches, the pre-releases that do are acceptable.
    if (members.length === 0 && explicit === undefined) members = matching(true);
    return bitsFromIndices(size, members);
  }
}

function indicesWhere<C extends Candidate>(
  universe: Universe<C>,
  keep: (c: C, i: number) => boolean,
): number[] {
  const out: number[] = [];
  universe.candidates.forEach((c, i) => {
    if (keep(c, i)) out.push(i);
  });
  return out;
}
