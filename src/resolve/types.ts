/**
 * The resolver's contract with its caller. The caller owns the network and the files: it lists
 * candidates per project (already filtered for the target's tags and file-level Requires-Python)
 * and fetches each candidate's metadata on demand. The resolver owns the decisions.
 */
import type { MarkerEnvironment } from "../python/facts.ts";
import type { Requirement } from "../standards/index.ts";
import type { PreparedRequirements } from "./preparedRequirements.ts";
import type { ResolutionMemo } from "./memo.ts";

export interface Candidate {
  /** The version as published; the resolver parses and orders it (PEP 440). */
  readonly version: string;
  /** PEP 592: a yanked release is only chosen when a requirement pins it with `==` or `===`. */
  readonly yanked?: boolean;
  /** Already installed in the target environment: tried first when it satisfies. */
  readonly installed?: boolean;
  /** Set on the candidate made for a direct URL or local path requirement (`name @ url`). */
  readonly url?: string;
  /** File-level Requires-Python, if the caller left filtering to the resolver. */
  readonly requiresPython?: string | null;
}

export interface CandidateMetadata {
  /** Raw `Requires-Dist` lines, markers included. */
  readonly requiresDist: readonly string[];
  readonly requiresPython?: string | null;
  /**
   * `prepareRequirements(requiresDist)`, when the provider kept it from an earlier run (it depends
   * only on the lines, so it may be stored with an immutable wheel); saves parsing every line.
   */
  readonly prepared?: PreparedRequirements;
}

export interface Provider<C extends Candidate = Candidate> {
  /** Every candidate of a project (canonical name); [] when the project is unknown or unusable. */
  candidates(name: string): Promise<readonly C[]>;
  /** The metadata of one candidate. Called lazily and possibly speculatively (prefetch). */
  dependencies(name: string, candidate: C): Promise<CandidateMetadata>;
  /**
   * What fixes a candidate's metadata for good (a wheel's sha256), or undefined when it can change
   * (an installed dist-info, an sdist build). Without it, resolutions are never memoised (memo.ts).
   */
  identity?(candidate: C): string | undefined;
  /**
   * A hint: the solver will most likely try this candidate first (told as soon as the project's
   * candidates are listed). A provider may start fetching its files; nothing waits on it.
   */
  expect?(name: string, candidate: C): void;
}

export interface ResolveOptions {
  /** The target interpreter's PEP 508 marker environment. */
  env: MarkerEnvironment;
  /** Compared with Requires-Python; defaults to `env.python_full_version`. */
  pythonVersion?: string;
  /** `-c` files: restrict the versions of packages that get installed, never add packages. */
  constraints?: readonly (string | Requirement)[];
  /** Allow pre-releases everywhere (`--pre`). */
  pre?: boolean;
  /** Canonical name → installed version: kept when it still satisfies (minimal change). */
  installed?: ReadonlyMap<string, string>;
  /** Canonical name → version to try first (e.g. from a lock); wins over `installed`. */
  prefer?: ReadonlyMap<string, string>;
  /** Metadata fetches started ahead of need (default 8). */
  prefetchConcurrency?: number;
  /** Remember successful resolutions across runs and replay them when still valid (memo.ts). */
  memo?: ResolutionMemo;
}

export interface ResolvedPackage<C extends Candidate = Candidate> {
  /** Canonical name. */
  readonly name: string;
  readonly version: string;
  readonly candidate: C;
  /** Extras that ended up requested, canonical. */
  readonly extras: string[];
  /** True when one of the root requirements names it. */
  readonly direct: boolean;
  /** Canonical names of the resolved packages that depend on it. */
  readonly requestedBy: string[];
  /** Canonical names of the resolved packages it depends on (for the chosen extras). */
  readonly dependencies: string[];
}

export interface ResolveStats {
  decisions: number;
  conflicts: number;
  metadataFetches: number;
}

export interface Resolution<C extends Candidate = Candidate> {
  readonly packages: Map<string, ResolvedPackage<C>>;
  /** Install order: every package after its dependencies (cycles broken by name). */
  readonly order: string[];
  readonly stats: ResolveStats;
}
