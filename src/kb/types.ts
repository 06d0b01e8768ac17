import type { InterpreterFacts } from "../python/facts.ts";

/**
 * The knowledge base interface. SQLite (default, `node:sqlite`) and Redis implement it; the same
 * test suite (test/kb/suite.ts) runs against both. Every method is one consistent unit (a
 * transaction in SQLite, MULTI/EXEC or a Lua script in Redis): a failure leaves no half of it.
 *
 * Names of distributions and projects are stored as given; callers pass PEP 503 canonical names.
 * With Redis, package metadata and compatibility results are shared by every machine using the
 * server; everything else belongs to this home (keyed by its home id) and never collides.
 */
export interface ProbeCacheKey {
  /** Real path of the interpreter executable. */
  path: string;
  mtimeMs: number;
  size: number;
}

export interface InterpreterEntry {
  /** Same id as config.toml's registry, e.g. "3.11.7". */
  id: string;
  path: string;
  version: string;
  facts: InterpreterFacts | null;
}

export interface EnvironmentEntry {
  id: string;
  interpreterId: string;
  path: string;
  kind: "main" | "bubble";
  /** For a bubble: the main environment it belongs to. */
  parentId: string | null;
  /** For a bubble: the package and version it was made for. */
  name: string | null;
  version: string | null;
}

export interface InstalledFile {
  /** Path relative to the environment root, forward slashes, as in RECORD. */
  path: string;
  /** Hex sha256, or null when RECORD lists none (RECORD itself, .pyc). */
  sha256: string | null;
  size: number | null;
}

export interface InstalledDistribution {
  name: string;
  version: string;
  /** The INSTALLER file's content: "omnipkg", "pip", ... */
  installer: string;
  /** sha256 of the wheel it came from, when known (the store reference). */
  wheelSha256: string | null;
  /** PEP 376 REQUESTED: installed because the user asked, not as a dependency. */
  requested: boolean;
  files: InstalledFile[];
}

/** A distribution without its file list: what listings need. */
export type DistributionSummary = Omit<InstalledDistribution, "files"> & { fileCount: number };

export interface StoreFileEntry {
  path: string;
  sha256: string;
  size: number;
  mode: number;
}

export interface RevisionItem {
  name: string;
  version: string;
  /** For `changed`: the version before. */
  fromVersion?: string;
  wheelSha256?: string;
  fromWheelSha256?: string;
  /** For moves: the bubble environment id. */
  bubble?: string;
}

export interface RevisionChanges {
  added: RevisionItem[];
  removed: RevisionItem[];
  changed: RevisionItem[];
  movedIntoBubble: RevisionItem[];
  movedOutOfBubble: RevisionItem[];
}

/** One distribution of an environment state: enough to put it back from the store. */
export interface StateDist {
  /** PEP 503 canonical name. */
  name: string;
  version: string;
  /** The wheel it was installed from; null for a distribution omnipkg did not install (pip's). */
  wheelSha256: string | null;
}

export interface BubbleStateDist extends StateDist {
  /** "bubble": its files are in the bubble; "main": the bubble uses main's copy. */
  location: "bubble" | "main";
  topLevel: string[];
}

export interface BubbleState {
  /** Folder name under `<env>/bubbles/`: `<canonical name>-<version>`. */
  folder: string;
  name: string;
  version: string;
  dists: BubbleStateDist[];
}

/**
 * The whole state of an environment after a revision (main and its bubbles). Revisions record
 * changes for people and this snapshot for `revert`, since changes alone cannot rebuild a state
 * that began with distributions omnipkg never saw installed.
 */
export interface EnvState {
  main: StateDist[];
  bubbles: BubbleState[];
}

export interface RevisionInput extends Partial<RevisionChanges> {
  /** The command line as the user typed it (argv joined), for `omnipkg history`. */
  command: string;
  /** Defaults to now. */
  timeMs?: number;
  /** The environment's state after this revision. */
  state?: EnvState;
}

export interface Revision extends RevisionChanges {
  envId: string;
  /** 1, 2, 3, ... per environment: never reused, never skipped under concurrency. */
  number: number;
  command: string;
  timeMs: number;
  /** Absent on revisions recorded before snapshots existed (schema 2). */
  state?: EnvState;
}

/** One atomic change to an environment: put and remove distributions, and record the revision. */
export interface EnvironmentChange {
  envId: string;
  put?: InstalledDistribution[];
  /** Names of distributions to remove. */
  remove?: string[];
  revision?: RevisionInput;
}

export interface CompatResult {
  package: string;
  version: string;
  /** An interpreter tag meaningful across machines, e.g. "cpython-3.11.7-linux-x86_64". */
  interpreter: string;
  ok: boolean;
  message: string;
  importMs: number | null;
  recordedAtMs: number;
}

export interface ProjectMetadata {
  project: string;
  versions: string[];
  /** Opaque JSON the index client keeps with the list (etag, file list, ...). */
  data: unknown;
  fetchedAtMs: number;
}

/** Record counts per kind: what `kb status` prints and `kb migrate` verifies. */
export interface KbCounts {
  probes: number;
  interpreters: number;
  environments: number;
  distributions: number;
  files: number;
  revisions: number;
  storeRefs: number;
  compat: number;
  projects: number;
  metadataBlobs: number;
}

export const KB_KINDS: readonly (keyof KbCounts)[] = [
  "probes",
  "interpreters",
  "environments",
  "distributions",
  "files",
  "revisions",
  "storeRefs",
  "compat",
  "projects",
  "metadataBlobs",
];

/** Everything a KB holds for one home, plus the shared data: the unit `kb migrate` copies. */
export interface KbDump {
  probes: { key: ProbeCacheKey; facts: InterpreterFacts }[];
  interpreters: InterpreterEntry[];
  environments: EnvironmentEntry[];
  distributions: { envId: string; distribution: InstalledDistribution }[];
  revisions: Revision[];
  storeRefs: { wheelSha256: string; files: StoreFileEntry[] }[];
  compat: CompatResult[];
  projects: ProjectMetadata[];
  metadataBlobs: MetadataBlob[];
}

/** The core metadata text of one distribution file (`filename` may carry a `#sha256` key). */
export interface MetadataBlob {
  project: string;
  filename: string;
  text: string;
}

export interface KnowledgeBase {
  readonly backend: "sqlite" | "redis";
  /** Where it lives, safe to print: a file path, or a Redis URL without its password. */
  readonly location: string;

  /** A cached probe, or undefined when the executable changed (path + mtime + size differ). */
  getProbe(key: ProbeCacheKey): Promise<InterpreterFacts | undefined>;
  putProbe(key: ProbeCacheKey, facts: InterpreterFacts): Promise<void>;

  putInterpreter(entry: InterpreterEntry): Promise<void>;
  getInterpreter(id: string): Promise<InterpreterEntry | undefined>;
  listInterpreters(): Promise<InterpreterEntry[]>;
  /** Removes the interpreter and every environment on it (with their distributions and history). */
  removeInterpreter(id: string): Promise<void>;

  /** Throws KbMissing when the interpreter (or a bubble's parent) is unknown. */
  putEnvironment(entry: EnvironmentEntry): Promise<void>;
  getEnvironment(id: string): Promise<EnvironmentEntry | undefined>;
  /** Sorted by id; `parentId` lists the bubbles of one main environment. */
  listEnvironments(filter?: {
    interpreterId?: string;
    parentId?: string;
    kind?: "main" | "bubble";
  }): Promise<EnvironmentEntry[]>;
  /** Removes the environment, its bubbles, their distributions and their history. */
  removeEnvironment(id: string): Promise<void>;

  /**
   * Applies one change atomically and returns the revision number it recorded (undefined when the
   * change has no revision). Throws KbMissing for an unknown environment; then nothing changed.
   */
  applyChange(change: EnvironmentChange): Promise<number | undefined>;
  /** With its files, sorted by path (code-point order). */
  getDistribution(envId: string, name: string): Promise<InstalledDistribution | undefined>;
  /** Sorted by name, without file lists. */
  listDistributions(envId: string): Promise<DistributionSummary[]>;

  /** Newest first. */
  listRevisions(envId: string, options?: { limit?: number }): Promise<Revision[]>;
  getRevision(envId: string, number: number): Promise<Revision | undefined>;

  getStoreRef(wheelSha256: string): Promise<StoreFileEntry[] | undefined>;
  listStoreRefs(): Promise<string[]>;
  /**
   * Which of these wheels the KB holds a store reference for. An install asks this about its own
   * wheels instead of listing every reference (a list that grows with the store).
   */
  knownStoreRefs(wheelSha256s: readonly string[]): Promise<Set<string>>;
  /** Several references in one unit (one commit), as a cold install records its new wheels. */
  putStoreRefs(refs: readonly { wheelSha256: string; files: StoreFileEntry[] }[]): Promise<void>;
  removeStoreRef(wheelSha256: string): Promise<void>;

  putCompat(result: CompatResult): Promise<void>;
  getCompat(pkg: string, version: string, interpreter: string): Promise<CompatResult | undefined>;
  listCompat(filter?: { package?: string }): Promise<CompatResult[]>;

  putProjectMetadata(entry: ProjectMetadata): Promise<void>;
  getProjectMetadata(project: string): Promise<ProjectMetadata | undefined>;
  /**
   * Core metadata (PEP 658) texts of distribution files, in one unit (one commit): a cold
   * resolution reads twenty-odd and writes them once, not one durable commit each.
   */
  putMetadataBlobs(blobs: readonly MetadataBlob[]): Promise<void>;
  getMetadataBlob(project: string, filename: string): Promise<string | undefined>;

  counts(): Promise<KbCounts>;
  /** This home's records and the shared ones, for `kb migrate`. */
  exportAll(): Promise<KbDump>;
  /**
   * Replaces this home's records with the dump's (atomically) and merges its shared records.
   * Revision numbers are kept, and later revisions continue after them.
   */
  importAll(dump: KbDump): Promise<void>;

  close(): Promise<void>;
}
