import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DistFile, IndexClient } from "../index/index.ts";
import { ProjectNotFound, redactUrl } from "../index/index.ts";
import type { InstalledDist } from "../install/index.ts";
import type { InterpreterFacts } from "../python/index.ts";
import {
  prepareRequirements,
  type Candidate,
  type CandidateMetadata,
  type Provider,
} from "../resolve/index.ts";
import {
  canonicalizeName,
  compareVersions,
  createTagRanker,
  parseCoreMetadata,
  parseSdistFilename,
  parseWheelFilename,
  SpecifierSet,
} from "../standards/index.ts";
import type { DistSource } from "./distSource.ts";
import type { WheelFactsCache, WheelFacts } from "./wheelFacts.ts";
import type { CandidateCache } from "./candidateCache.ts";

/**
 * The resolver's view of the configured indexes. A version is a candidate when one of its files
 * can be used on the target interpreter: a wheel whose tags it supports (the best-ranked wheel is
 * chosen, as pip does), else an sdist that can be built. Requires-Python is judged per file: a
 * version keeps only its files that accept the interpreter; when none does, the version stays a
 * candidate carrying the chosen file's Requires-Python, so the resolver rejects it *and says why*
 * ("lib==2.0 requires Python >=3.12 (the target is 3.11.7)") instead of a bare "no version
 * matches". A version is yanked only when every one of its usable files is (PEP 592). An installed
 * version the index no longer lists stays a candidate, read from its own dist-info, so that an
 * install never has to change it.
 */

export interface DistCandidate extends Candidate {
  readonly name: string;
  readonly file: DistFile | undefined;
  /** For an installed version with no index file: its dist-info folder. */
  readonly installedDistInfo?: string;
  readonly kind: "wheel" | "sdist" | "installed" | "direct";
}

export interface ProviderOptions {
  client: IndexClient;
  source: DistSource;
  facts: InterpreterFacts;
  installed: ReadonlyMap<string, InstalledDist>;
  /** Direct URL / path requirements: canonical name → the one candidate. */
  direct?: ReadonlyMap<string, DistCandidate>;
  noDeps?: boolean;
  /** Allow sdists (they need a PEP 517 build); on by default. */
  allowSdists?: boolean;
  /** Parsed dependency facts of wheels by sha256, kept across runs (wheelFacts.ts). */
  wheelFacts?: WheelFactsCache;
  /** Candidates derived from a project's files, kept across runs (candidateCache.ts). */
  candidateCache?: CandidateCache;
}

function requiresPythonOk(spec: string | undefined, pythonVersion: string): boolean {
  if (!spec) return true;
  try {
    return new SpecifierSet(spec).contains(pythonVersion, { prereleases: true });
  } catch {
    return true; // pip ignores an invalid Requires-Python on a link
  }
}

interface FileGroup {
  wheels: { file: DistFile; rank: number }[];
  sdists: DistFile[];
}

function filterGroup(group: FileGroup, keep: (file: DistFile) => boolean): FileGroup {
  return { wheels: group.wheels.filter((w) => keep(w.file)), sdists: group.sdists.filter(keep) };
}

/** The best-ranked wheel, else an sdist; yanked files only when all of them are (PEP 592). */
function chooseFile(group: FileGroup): { file: DistFile | undefined; yanked: boolean } {
  const live = filterGroup(group, (f) => f.yanked === false);
  const yanked = live.wheels.length + live.sdists.length === 0;
  const pool = yanked ? group : live;
  const best = [...pool.wheels].sort((a, b) => a.rank - b.rank)[0]?.file;
  return { file: best ?? pool.sdists[0], yanked };
}

/** pip's warning for a yanked release that was installed because a requirement pinned it. */
export function yankedWarning(candidate: DistCandidate): string | undefined {
  if (!candidate.yanked || !candidate.file) return undefined;
  const reason = typeof candidate.file.yanked === "string" ? candidate.file.yanked : "<none given>";
  return (
    `The candidate selected for download or install is a yanked version: ` +
    `'${candidate.name}' candidate (version ${candidate.version} at ${redactUrl(candidate.file.url)})\n` +
    `Reason for being yanked: ${reason}`
  );
}

export function createIndexProvider(options: ProviderOptions): Provider<DistCandidate> & {
  projectsFetched(): number;
} {
  const { client, source, facts } = options;
  // Built on first use: ~2,000 tags take milliseconds, and a warm run answered by the candidate
  // cache never ranks a wheel.
  let ranker: ((tags: Parameters<ReturnType<typeof createTagRanker>>[0]) => number) | undefined;
  const rank: NonNullable<typeof ranker> = (tags) => (ranker ??= createTagRanker(facts))(tags);
  const pythonVersion = facts.version_info.slice(0, 3).join(".");
  const pages = new Map<string, Promise<readonly DistCandidate[]>>();

  async function load(name: string): Promise<readonly DistCandidate[]> {
    const direct = options.direct?.get(name);
    if (direct) return [direct];
    let files: DistFile[] = [];
    try {
      files = (await client.getProject(name)).files;
    } catch (error) {
      if (!(error instanceof ProjectNotFound)) throw error;
    }
    const cache = options.candidateCache;
    const key = cache?.key(name, files, {
      facts,
      allowSdists: options.allowSdists !== false,
      installed: options.installed.get(name),
    });
    const known = key === undefined ? undefined : cache!.get(key, name, files);
    if (known) return known;
    const out = derive(name, files);
    if (key !== undefined) cache!.put(key, files, out);
    return out;
  }

  /** The candidates of a project from its files (a pure function; candidateCache.ts keeps it). */
  function derive(name: string, files: readonly DistFile[]): DistCandidate[] {
    const byVersion = new Map<string, FileGroup>();
    for (const file of files) {
      let version: string;
      let wheelRank = -1;
      try {
        if (file.filename.endsWith(".whl")) {
          const parsed = parseWheelFilename(file.filename);
          wheelRank = rank(parsed.tags);
          if (wheelRank < 0) continue;
          version = String(parsed.version);
        } else {
          if (options.allowSdists === false) continue;
          version = String(parseSdistFilename(file.filename, { project: name }).version);
        }
      } catch {
        continue; // names that do not parse are skipped, as pip does
      }
      const group = byVersion.get(version) ?? { wheels: [], sdists: [] };
      if (wheelRank >= 0) group.wheels.push({ file, rank: wheelRank });
      else group.sdists.push(file);
      byVersion.set(version, group);
    }
    const installed = options.installed.get(name);
    const out: DistCandidate[] = [];
    for (const [version, group] of byVersion) {
      const fits = (f: DistFile): boolean => requiresPythonOk(f.requiresPython, pythonVersion);
      const fitting = filterGroup(group, fits);
      const usable = fitting.wheels.length + fitting.sdists.length > 0 ? fitting : group;
      const { file, yanked } = chooseFile(usable);
      if (!file) continue;
      out.push({
        name,
        version,
        file,
        kind: file.filename.endsWith(".whl") ? "wheel" : "sdist",
        yanked,
        installed: installed !== undefined && compareVersions(installed.version, version) === 0,
        ...(usable === group && !fits(file) ? { requiresPython: file.requiresPython! } : {}),
      });
    }
    if (installed && !out.some((c) => c.installed)) {
      out.push({
        name,
        version: installed.version,
        file: undefined,
        installedDistInfo: installed.distInfo,
        kind: "installed",
        installed: true,
      });
    }
    return out;
  }

  return {
    candidates(name) {
      const key = canonicalizeName(name);
      let pending = pages.get(key);
      if (!pending) {
        pending = load(key);
        pages.set(key, pending);
      }
      return pending;
    },
    async dependencies(name, candidate): Promise<CandidateMetadata> {
      if (options.noDeps) return { requiresDist: [], requiresPython: null };
      // Ruled out by its files' Requires-Python: never worth a fetch, let alone an sdist build
      // (the resolver may ask speculatively, before it has applied the file-level facts).
      if (candidate.requiresPython) return { requiresDist: [], requiresPython: candidate.requiresPython };
      const localPath = (candidate as { localPath?: string }).localPath;
      const sha256 = candidate.kind === "wheel" ? candidate.file?.hashes.sha256 : undefined;
      const cache = localPath === undefined && sha256 !== undefined ? options.wheelFacts : undefined;
      const known = cache?.get(candidate.file!.filename, sha256!);
      if (known) return known;
      let text: string;
      if (candidate.kind === "installed") {
        text = readFileSync(join(candidate.installedDistInfo!, "METADATA"), "utf8");
      } else if (localPath !== undefined) {
        text = source.manifestMetadata(await source.localWheel(localPath));
      } else {
        text = await source.metadata(name, candidate.file!);
      }
      const md = parseCoreMetadata(text);
      const facts: WheelFacts = {
        requiresDist: md.requiresDist,
        requiresPython: md.requiresPython ?? null,
        prepared: prepareRequirements(md.requiresDist),
      };
      cache?.put(candidate.file!.filename, sha256!, facts);
      return facts;
    },
    expect(_name, candidate) {
      if (candidate.kind === "wheel" && candidate.file && !candidate.requiresPython)
        source.expect(candidate.file);
    },
    identity(candidate) {
      // What dependencies() answers is then fixed by the candidate's listed facts alone.
      if (options.noDeps) return "no-deps";
      if (candidate.requiresPython) return "excluded-by-requires-python";
      // A wheel's metadata is fixed by its content; installed dist-infos, sdist builds and local
      // paths have no such identity.
      const sha256 = candidate.file?.hashes.sha256;
      if (candidate.kind !== "wheel" || sha256 === undefined) return undefined;
      if ((candidate as { localPath?: string }).localPath !== undefined) return undefined;
      return `wheel:${candidate.file!.filename}:${sha256}`;
    },
    projectsFetched: () => pages.size,
  };
}
