/**
 * A root requirement that matches nothing deserves a plain error, not a derivation: the project
 * does not exist (or has no file for the target), or none of its versions match, in which case
 * the error lists the versions nearest to what was asked and says when only yanked ones match.
 */
import { canonicalizeName, parseVersion, type Requirement } from "../standards/index.ts";
import { hasBit, isEmptyBits, type Bits } from "./bitset.ts";
import { MissingDirectCandidate, NoMatchingVersion, PackageNotFound } from "./errors.ts";
import { requirementLabel } from "./requirementLabel.ts";
import type { Candidate } from "./types.ts";
import type { Universe } from "./universe.ts";

export function checkRootRequirement<C extends Candidate>(
  req: Requirement,
  universe: Universe<C>,
  admitted: Bits,
): void {
  if (!isEmptyBits(admitted)) return;
  const name = canonicalizeName(req.name);
  if (req.url !== null) throw new MissingDirectCandidate(req.toString());
  if (universe.candidates.length === 0) throw new PackageNotFound(name);
  const matching = universe.versions
    .map((v, i) => (req.specifier.contains(v, { prereleases: true }) ? i : -1))
    .filter((i) => i >= 0);
  let note: string | undefined;
  if (matching.length > 0) {
    const yanked = matching.filter((i) => hasBit(universe.yanked, i)).map((i) => universe.texts[i]!);
    note =
      yanked.length > 0
        ? `Matching ${yanked.join(", ")} ${yanked.length === 1 ? "is" : "are"} yanked: pin one exactly with == to use it.`
        : undefined;
  }
  throw new NoMatchingVersion(requirementLabel(name, req), nearestVersions(universe, req), note);
}

/**
 * Up to five released versions around where the requirement points: its first specifier's
 * version decides the spot, otherwise the newest ones are shown.
 */
function nearestVersions<C extends Candidate>(universe: Universe<C>, req: Requirement): string[] {
  const shown = universe.versions
    .map((v, i) => i)
    .filter((i) => !hasBit(universe.yanked, i) && !hasBit(universe.prerelease, i));
  const pool = shown.length > 0 ? shown : universe.versions.map((_v, i) => i);
  let at = pool.length;
  const first = req.specifier.specifiers[0];
  if (first !== undefined && first.operator !== "===") {
    try {
      const target = parseVersion(first.version.replace(/\.\*$/, ""));
      const found = pool.findIndex((i) => universe.versions[i]!.compare(target) >= 0);
      at = found < 0 ? pool.length : found;
    } catch {
      // A specifier version that does not parse leaves the newest versions as the answer.
    }
  }
  const from = Math.max(0, Math.min(at - 2, pool.length - 5));
  return pool.slice(from, from + 5).map((i) => universe.texts[i]!);
}
