import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DistFile, IndexClient } from "../index/index.ts";
import { ProjectNotFound } from "../index/index.ts";
import type { InstalledDist } from "../install/index.ts";
import type { InterpreterFacts } from "../python/index.ts";
import type { Candidate, CandidateMetadata, Provider } from "../resolve/index.ts";
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

/**
 * The resolver's view of the configured indexes. A version is a candidate when one of its files
 * can be used on the target interpreter: a wheel whose tags it supports (the best-ranked wheel is
 * chosen, as pip does), else an sdist that can be built. Files whose Requires-Python excludes the
 * interpreter are dropped before the resolver sees them, like pip's link evaluator. A version is
 * yanked only when every one of its files is (PEP 592). An installed version the index no longer
 * lists stays a candidate, read from its own dist-info, so that an install never has to change it.
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
}

function requiresPythonOk(spec: string | undefined, pythonVersion: string): boolean {
  if (!spec) return true;
  try {
    return new SpecifierSet(spec).contains(pythonVersion, { prereleases: true });
  } catch {
    return true; // pip ignores an invalid Requires-Python on a link
  }
}

export function createIndexProvider(options: ProviderOptions): Provider<DistCandidate> & {
  projectsFetched(): number;
} {
  const { client, source, facts } = options;
  const rank = createTagRanker(facts);
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
    const byVersion = new Map<string, { wheels: { file: DistFile; rank: number }[]; sdists: DistFile[] }>();
    for (const file of files) {
      if (!requiresPythonOk(file.requiresPython, pythonVersion)) continue;
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
      const all = [...group.wheels.map((w) => w.file), ...group.sdists];
      const live = all.filter((f) => f.yanked === false);
      const pool = live.length > 0 ? live : all;
      const wheels = group.wheels.filter((w) => pool.includes(w.file)).sort((a, b) => a.rank - b.rank);
      const file = wheels[0]?.file ?? pool.find((f) => group.sdists.includes(f));
      if (!file) continue;
      out.push({
        name,
        version,
        file,
        kind: file.filename.endsWith(".whl") ? "wheel" : "sdist",
        yanked: live.length === 0,
        installed: installed !== undefined && compareVersions(installed.version, version) === 0,
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
      let text: string;
      const localPath = (candidate as { localPath?: string }).localPath;
      if (candidate.kind === "installed") {
        text = readFileSync(join(candidate.installedDistInfo!, "METADATA"), "utf8");
      } else if (localPath !== undefined) {
        text = source.manifestMetadata(await source.localWheel(localPath));
      } else {
        text = await source.metadata(name, candidate.file!);
      }
      const md = parseCoreMetadata(text);
      return { requiresDist: md.requiresDist, requiresPython: md.requiresPython ?? null };
    },
    projectsFetched: () => pages.size,
  };
}
