/** Errors of the resolver. Messages name the package and requirement; hints say what to try. */
import { OmnipkgError } from "../core/errors.ts";

/** No set of versions satisfies the requirements; the message is the derivation of why. */
export class ResolutionImpossible extends OmnipkgError {
  constructor(
    readonly explanation: string,
    hint = "Relax one of the requirements named above, or pin a version that the others accept.",
  ) {
    super("RESOLUTION_IMPOSSIBLE", `No solution found for the requirements.\n${explanation}`, { hint });
  }
}

/** A requested project has no candidate at all (unknown, or no file usable by the target). */
export class PackageNotFound extends OmnipkgError {
  constructor(readonly packageName: string) {
    super(
      "PACKAGE_NOT_FOUND",
      `Package '${packageName}' was not found, or has no files that the target interpreter can install.`,
      { hint: "Check the spelling and the index settings (--index-url, --find-links)." },
    );
  }
}

/** A requested specifier matches none of the project's versions. */
export class NoMatchingVersion extends OmnipkgError {
  constructor(
    readonly requirement: string,
    readonly nearest: readonly string[],
    note?: string,
  ) {
    const near = nearest.length > 0 ? ` The nearest versions are ${nearest.join(", ")}.` : "";
    super("NO_MATCHING_VERSION", `No version matches '${requirement}'.${near}${note ? ` ${note}` : ""}`, {
      hint: "Pick one of the versions listed, or relax the specifier.",
    });
  }
}

/** A direct URL or path requirement for which the caller supplied no candidate. */
export class MissingDirectCandidate extends OmnipkgError {
  constructor(readonly requirement: string) {
    super(
      "MISSING_DIRECT_CANDIDATE",
      `No candidate was supplied for the direct requirement '${requirement}'.`,
    );
  }
}
