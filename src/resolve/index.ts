/**
 * Public API of the resolver: `resolve(roots, provider, options)` picks one version of every
 * project the roots need, or throws `ResolutionImpossible` explaining why none exists.
 */
import { canonicalizeName, evaluateMarker, parseRequirement, type Requirement } from "../standards/index.ts";
import { ResolutionImpossible } from "./errors.ts";
import { memoKey, recordable, replayResolution, storeResolution } from "./memo.ts";
import { PythonSource, splitKey } from "./pythonSource.ts";
import { explainFailure } from "./report.ts";
import { SolveFailure, solve } from "./solver.ts";
import type { Candidate, Provider, Resolution, ResolvedPackage, ResolveOptions } from "./types.ts";

export {
  MissingDirectCandidate,
  NoMatchingVersion,
  PackageNotFound,
  ResolutionImpossible,
} from "./errors.ts";
export {
  checkPrepared,
  prepareRequirements,
  PREPARED_FORMAT,
  type PreparedRequirement,
  type PreparedRequirements,
} from "./preparedRequirements.ts";
export type { ResolutionMemo, ResolutionMemoStore } from "./memo.ts";
export type {
  Candidate,
  CandidateMetadata,
  Provider,
  Resolution,
  ResolvedPackage,
  ResolveOptions,
  ResolveStats,
} from "./types.ts";

function toRequirement(req: string | Requirement): Requirement {
  return typeof req === "string" ? parseRequirement(req) : req;
}

export async function resolve<C extends Candidate>(
  roots: readonly (string | Requirement)[],
  provider: Provider<C>,
  options: ResolveOptions,
): Promise<Resolution<C>> {
  const rootReqs = roots.map(toRequirement);
  const constraints = (options.constraints ?? []).map(toRequirement);
  const prefer = new Map(options.installed ?? []);
  for (const [name, version] of options.prefer ?? []) prefer.set(name, version);
  const memo = options.memo && provider.identity ? options.memo : undefined;
  const key = memo ? memoKey(rootReqs, constraints, prefer, options, memo.context) : "";
  if (memo) {
    const replayed = await replayResolution(memo, key, provider);
    if (replayed) return replayed;
  }
  const source = new PythonSource(provider, {
    env: options.env,
    pythonVersion: options.pythonVersion ?? options.env.python_full_version,
    roots: rootReqs,
    constraints,
    pre: options.pre ?? false,
    prefer,
    prefetchConcurrency: options.prefetchConcurrency ?? 8,
  });

  let outcome;
  try {
    outcome = await solve(source);
  } catch (error) {
    if (error instanceof SolveFailure) {
      const hint = source.holdsBackPrereleases()
        ? "Relax one of the requirements named above, or allow pre-releases with --pre."
        : undefined;
      throw new ResolutionImpossible(explainFailure(source, error.incompatibility), hint);
    }
    throw error;
  }

  const chosen = new Map<string, { index: number; extras: string[] }>();
  for (const [key, index] of outcome.decisions) {
    const { name, extra } = splitKey(key);
    const entry = chosen.get(name) ?? { index, extras: [] };
    if (extra !== undefined) entry.extras.push(extra);
    chosen.set(name, entry);
  }

  const direct = new Set(
    rootReqs
      .filter((r) => r.marker === null || evaluateMarker(r.marker, options.env))
      .map((r) => canonicalizeName(r.name)),
  );
  const dependencies = new Map<string, Set<string>>();
  for (const [name, { index, extras }] of chosen) {
    const md = await source.parsedMetadata(name, index);
    const deps = new Set<string>();
    md.lines.forEach(({ name: dep }, i) => {
      if (dep === name || !chosen.has(dep)) return;
      const marker = md.markers[i]!;
      const applies =
        marker === null ||
        source.markerMemo.evaluate(marker) ||
        (extras.length > 0 && source.markerMemo.evaluateAny(marker, extras));
      if (applies) deps.add(dep);
    });
    dependencies.set(name, deps);
  }

  const packages = new Map<string, ResolvedPackage<C>>();
  for (const [name, { index, extras }] of [...chosen].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const universe = source.universe(name)!;
    packages.set(name, {
      name,
      version: universe.candidates[index]!.version,
      candidate: universe.candidates[index]!,
      extras: extras.sort(),
      direct: direct.has(name),
      requestedBy: [...chosen.keys()].filter((other) => dependencies.get(other)!.has(name)).sort(),
      dependencies: [...dependencies.get(name)!].sort(),
    });
  }
  const resolution: Resolution<C> = {
    packages,
    order: installOrder(packages),
    stats: {
      decisions: outcome.stats.decisions,
      conflicts: outcome.stats.conflicts,
      metadataFetches: source.metadataFetches,
    },
  };
  if (memo && recordable(provider, source.metadataRead())) {
    storeResolution(memo, key, provider, source.lists, resolution);
  }
  return resolution;
}

/** Dependencies before dependents; a cycle is cut where the walk meets it again. */
function installOrder(packages: ReadonlyMap<string, ResolvedPackage<Candidate>>): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string) => {
    if (state.has(name)) return;
    state.set(name, "visiting");
    for (const dep of packages.get(name)!.dependencies) visit(dep);
    state.set(name, "done");
    order.push(name);
  };
  for (const name of packages.keys()) visit(name);
  return order;
}
