import type { KbCounts, KbDump } from "./types.ts";

/** Counts and record keys of a dump, in the same terms as `KnowledgeBase.counts()`. */
export function countDump(dump: KbDump): KbCounts {
  return {
    probes: dump.probes.length,
    interpreters: dump.interpreters.length,
    environments: dump.environments.length,
    distributions: dump.distributions.length,
    files: dump.distributions.reduce((sum, d) => sum + d.distribution.files.length, 0),
    revisions: dump.revisions.length,
    storeRefs: dump.storeRefs.length,
    compat: dump.compat.length,
    projects: dump.projects.length,
    metadataBlobs: dump.metadataBlobs.length,
  };
}

/** One identifying string per record of each kind, to check that a copy holds every source record. */
export function dumpKeys(dump: KbDump): Record<keyof KbCounts, string[]> {
  return {
    probes: dump.probes.map((p) => p.key.path),
    interpreters: dump.interpreters.map((i) => i.id),
    environments: dump.environments.map((e) => e.id),
    distributions: dump.distributions.map((d) => `${d.envId}\0${d.distribution.name}`),
    files: dump.distributions.flatMap((d) =>
      d.distribution.files.map((f) => `${d.envId}\0${d.distribution.name}\0${f.path}`),
    ),
    revisions: dump.revisions.map((r) => `${r.envId}\0${r.number}`),
    storeRefs: dump.storeRefs.map((s) => s.wheelSha256),
    compat: dump.compat.map((c) => `${c.package}\0${c.version}\0${c.interpreter}`),
    projects: dump.projects.map((p) => p.project),
    metadataBlobs: dump.metadataBlobs.map((b) => `${b.project}\0${b.filename}`),
  };
}
