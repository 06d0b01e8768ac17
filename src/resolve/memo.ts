/**
 * A resolution remembered across runs, replayed only after proving that nothing it depended on
 * has changed. The solver is a deterministic function of
 *   - the roots, constraints, marker environment, Python version, pre-release policy and
 *     preferred versions (all in the memo key, with the caller's `context`: index settings,
 *     interpreter facts, installed set, flags), and
 *   - every project's candidate list it looked at, and the metadata of the candidates it read.
 * The second part is checked on every replay: each project the resolution consulted is listed
 * again through the provider (for an index that means its pages are read again, through the HTTP
 * cache's freshness rules for http(s)), and its candidate list must hash to what it was. Metadata
 * is covered by the provider's `identity` of each candidate (a wheel's sha256: immutable); a
 * resolution that read the metadata of a candidate without an identity (an installed dist-info,
 * an sdist build, a local path) is never stored. Failures are not stored either.
 *
 * So a replay costs listing ~20 projects instead of reading their metadata, parsing requirements,
 * evaluating markers and solving.
 */
import { createHash } from "node:crypto";
import type { Requirement } from "../standards/index.ts";
import type { Candidate, Provider, Resolution, ResolvedPackage, ResolveOptions } from "./types.ts";

/** Bump whenever the solver's choices or the stored shape could change. */
const FORMAT = "resolution-v1";

export interface ResolutionMemoStore {
  get(key: string): unknown;
  put(key: string, value: unknown): void;
}

export interface ResolutionMemo {
  store: ResolutionMemoStore;
  /** Everything else the caller's provider depends on, as text (settings, facts, flags...). */
  context: string;
}

interface StoredPackage {
  name: string;
  /** Position of the chosen candidate in the provider's list for that project. */
  raw: number;
  extras: string[];
  direct: boolean;
  requestedBy: string[];
  dependencies: string[];
}

interface Stored {
  key: string;
  /** Every project the solver listed, with the hash of its candidate list. */
  consulted: [string, string][];
  packages: StoredPackage[];
  order: string[];
  decisions: number;
  conflicts: number;
}

export function memoKey(
  roots: readonly Requirement[],
  constraints: readonly Requirement[],
  prefer: ReadonlyMap<string, string>,
  options: ResolveOptions,
  context: string,
): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        FORMAT,
        context,
        roots.map(String),
        constraints.map(String),
        [...prefer].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
        options.env,
        options.pythonVersion ?? null,
        options.pre ?? false,
      ]),
    )
    .digest("hex");
}

/** The hash of a candidate list as the solver sees it; undefined identities count as such. */
export function listDigest<C extends Candidate>(provider: Provider<C>, list: readonly C[]): string {
  const rows = list.map((c) => [
    c.version,
    c.yanked ?? false,
    c.installed ?? false,
    c.url ?? null,
    c.requiresPython ?? null,
    provider.identity?.(c) ?? null,
  ]);
  return createHash("sha256").update(JSON.stringify(rows)).digest("hex");
}

export function recordable<C extends Candidate>(provider: Provider<C>, metadataRead: readonly C[]): boolean {
  return provider.identity !== undefined && metadataRead.every((c) => provider.identity!(c) !== undefined);
}

export function storeResolution<C extends Candidate>(
  memo: ResolutionMemo,
  key: string,
  provider: Provider<C>,
  lists: ReadonlyMap<string, readonly C[]>,
  resolution: Resolution<C>,
): void {
  const packages: StoredPackage[] = [];
  for (const p of resolution.packages.values()) {
    const raw = lists.get(p.name)?.indexOf(p.candidate) ?? -1;
    if (raw < 0) return;
    packages.push({
      name: p.name,
      raw,
      extras: p.extras,
      direct: p.direct,
      requestedBy: p.requestedBy,
      dependencies: p.dependencies,
    });
  }
  const stored: Stored = {
    key,
    consulted: [...lists].map(([name, list]) => [name, listDigest(provider, list)]),
    packages,
    order: resolution.order,
    decisions: resolution.stats.decisions,
    conflicts: resolution.stats.conflicts,
  };
  memo.store.put(key, stored);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function checkStored(value: unknown, key: string): Stored | undefined {
  const s = value as Stored;
  if (typeof s !== "object" || s === null || s.key !== key) return undefined;
  if (!Array.isArray(s.consulted) || !Array.isArray(s.packages) || !isStringArray(s.order)) return undefined;
  if (typeof s.decisions !== "number" || typeof s.conflicts !== "number") return undefined;
  if (!s.consulted.every((c) => isStringArray(c) && c.length === 2)) return undefined;
  const ok = s.packages.every(
    (p) =>
      typeof p === "object" &&
      p !== null &&
      typeof p.name === "string" &&
      Number.isInteger(p.raw) &&
      typeof p.direct === "boolean" &&
      isStringArray(p.extras) &&
      isStringArray(p.requestedBy) &&
      isStringArray(p.dependencies),
  );
  return ok ? s : undefined;
}

/** The stored resolution, when every project it consulted still lists the same candidates. */
export async function replayResolution<C extends Candidate>(
  memo: ResolutionMemo,
  key: string,
  provider: Provider<C>,
): Promise<Resolution<C> | undefined> {
  const stored = checkStored(memo.store.get(key), key);
  if (!stored) return undefined;
  const lists = new Map<string, readonly C[]>();
  const fresh = await Promise.all(stored.consulted.map(([name]) => provider.candidates(name)));
  for (const [i, [name, digest]] of stored.consulted.entries()) {
    if (listDigest(provider, fresh[i]!) !== digest) return undefined;
    lists.set(name, fresh[i]!);
  }
  const packages = new Map<string, ResolvedPackage<C>>();
  for (const p of stored.packages) {
    const candidate = lists.get(p.name)?.[p.raw];
    if (candidate === undefined) return undefined;
    packages.set(p.name, {
      name: p.name,
      version: candidate.version,
      candidate,
      extras: p.extras,
      direct: p.direct,
      requestedBy: p.requestedBy,
      dependencies: p.dependencies,
    });
  }
  if (stored.order.length !== packages.size || !stored.order.every((n) => packages.has(n))) return undefined;
  return {
    packages,
    order: stored.order,
    stats: { decisions: stored.decisions, conflicts: stored.conflicts, metadataFetches: 0 },
  };
}
