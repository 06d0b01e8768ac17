/**
 * An in-memory provider for resolver tests: a graph of projects → versions → metadata, with
 * counters so tests can check what was fetched.
 */
import type { MarkerEnvironment } from "../../src/python/facts.ts";
import type { Candidate, CandidateMetadata, Provider, Resolution } from "../../src/resolve/index.ts";

export interface VersionSpec {
  requires?: string[];
  requiresPython?: string;
  /** File-level Requires-Python (what an index's data-requires-python gives). */
  fileRequiresPython?: string;
  yanked?: boolean;
  installed?: boolean;
  url?: string;
}

/** name → version → requirements (short form) or a full spec. */
export type Graph = Record<string, Record<string, string[] | VersionSpec>>;

export interface MemoryProvider extends Provider<Candidate> {
  candidateCalls: string[];
  metadataCalls: string[];
  maxInFlight: number;
}

export function memoryProvider(graph: Graph, options: { delayMs?: number } = {}): MemoryProvider {
  let inFlight = 0;
  const pause = () =>
    options.delayMs ? new Promise((r) => setTimeout(r, options.delayMs)) : Promise.resolve();
  const provider: MemoryProvider = {
    candidateCalls: [],
    metadataCalls: [],
    maxInFlight: 0,
    async candidates(name) {
      provider.candidateCalls.push(name);
      await pause();
      return Object.entries(graph[name] ?? {}).map(([version, spec]) => {
        const full: VersionSpec = Array.isArray(spec) ? {} : spec;
        const c: { -readonly [K in keyof Candidate]: Candidate[K] } = { version };
        if (full.yanked) c.yanked = true;
        if (full.installed) c.installed = true;
        if (full.url) c.url = full.url;
        if (full.fileRequiresPython) c.requiresPython = full.fileRequiresPython;
        return c;
      });
    },
    async dependencies(name, candidate): Promise<CandidateMetadata> {
      provider.metadataCalls.push(`${name}==${candidate.version}`);
      inFlight++;
      provider.maxInFlight = Math.max(provider.maxInFlight, inFlight);
      try {
        await pause();
      } finally {
        inFlight--;
      }
      const spec = graph[name]?.[candidate.version];
      if (spec === undefined) throw new Error(`no such version ${name} ${candidate.version}`);
      const full: VersionSpec = Array.isArray(spec) ? { requires: spec } : spec;
      return { requiresDist: full.requires ?? [], requiresPython: full.requiresPython ?? null };
    },
  };
  return provider;
}

export const linux311: MarkerEnvironment = {
  implementation_name: "cpython",
  implementation_version: "3.11.7",
  os_name: "posix",
  platform_machine: "x86_64",
  platform_release: "6.1.0",
  platform_system: "Linux",
  platform_version: "#1 SMP",
  python_full_version: "3.11.7",
  platform_python_implementation: "CPython",
  python_version: "3.11",
  sys_platform: "linux",
};

export const windows38: MarkerEnvironment = {
  ...linux311,
  implementation_version: "3.8.10",
  os_name: "nt",
  platform_machine: "AMD64",
  platform_system: "Windows",
  python_full_version: "3.8.10",
  python_version: "3.8",
  sys_platform: "win32",
};

/** `name==version` lines of a resolution, sorted, for compact assertions. */
export function pins(resolution: Resolution): string[] {
  return [...resolution.packages.values()].map((p) => `${p.name}==${p.version}`).sort();
}
