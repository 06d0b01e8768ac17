import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomicFs.ts";
import { createDebug } from "../core/debug.ts";
import type { HomeLayout } from "../core/home.ts";
import type { InterpreterFacts } from "../python/facts.ts";
import type { OpenKbOptions } from "./index.ts";
import type { KnowledgeBase, ProbeCacheKey } from "./types.ts";

/**
 * A local copy of the knowledge base's probe cache, so read-only commands (`list`, `info`) answer
 * without opening the knowledge base at all: loading node:sqlite, or ioredis plus a round trip to
 * a shared Redis, costs more than listing 300 distributions. The knowledge base stays the record:
 * a miss here reads it (and writes any fresh probe to it), then refreshes the copy.
 * Traps:
 * - entries carry the same key as the KB's (real path, mtime, size) and a mismatch is a miss, so
 *   an interpreter upgraded in place is never answered from a stale copy;
 * - the copy is best effort: an unreadable, corrupt or unwritable file is a miss, never an error
 *   (a read-only home still lists);
 * - one file per interpreter, named by its encoded real path (no node:crypto: loading it costs
 *   milliseconds); a path too long for a file name is simply not mirrored.
 */

const debug = createDebug("kb");
const MAX_NAME = 240;

interface MirrorEntry {
  path: string;
  mtimeMs: number;
  size: number;
  facts: InterpreterFacts;
}

function mirrorFile(layout: HomeLayout, realPath: string): string | undefined {
  const name = encodeURIComponent(realPath) + ".json";
  return name.length > MAX_NAME ? undefined : join(layout.cacheDir, "probes", name);
}

export function readMirroredProbe(layout: HomeLayout, key: ProbeCacheKey): InterpreterFacts | undefined {
  const file = mirrorFile(layout, key.path);
  if (!file) return undefined;
  try {
    const entry = JSON.parse(readFileSync(file, "utf8")) as Partial<MirrorEntry> | null;
    if (entry?.path !== key.path || entry.mtimeMs !== key.mtimeMs || entry.size !== key.size)
      return undefined;
    return typeof entry.facts === "object" && entry.facts !== null ? entry.facts : undefined;
  } catch {
    return undefined;
  }
}

export function writeMirroredProbe(layout: HomeLayout, key: ProbeCacheKey, facts: InterpreterFacts): void {
  const file = mirrorFile(layout, key.path);
  if (!file) return;
  const entry: MirrorEntry = { path: key.path, mtimeMs: key.mtimeMs, size: key.size, facts };
  try {
    writeFileAtomic(file, JSON.stringify(entry) + "\n", { syncDir: false });
  } catch (error) {
    debug(`probe mirror not written (${String(error)})`);
  }
}

/**
 * A probe cache for read-only commands: the local copy first, the knowledge base (opened on the
 * first miss, closed by `close`) behind it.
 */
export class MirroredProbeCache {
  readonly #layout: HomeLayout;
  readonly #options: OpenKbOptions;
  #kb: Promise<KnowledgeBase> | undefined;

  constructor(layout: HomeLayout, options: OpenKbOptions = {}) {
    this.#layout = layout;
    this.#options = options;
  }

  #open(): Promise<KnowledgeBase> {
    this.#kb ??= import("./index.ts").then(({ openKnowledgeBase }) =>
      openKnowledgeBase(this.#layout, this.#options),
    );
    return this.#kb;
  }

  async getProbe(key: ProbeCacheKey): Promise<InterpreterFacts | undefined> {
    const mirrored = readMirroredProbe(this.#layout, key);
    if (mirrored) return mirrored;
    const facts = await (await this.#open()).getProbe(key);
    if (facts) writeMirroredProbe(this.#layout, key, facts);
    return facts;
  }

  async putProbe(key: ProbeCacheKey, facts: InterpreterFacts): Promise<void> {
    await (await this.#open()).putProbe(key, facts);
    writeMirroredProbe(this.#layout, key, facts);
  }

  /** True when the knowledge base had to be opened (tests and the benchmark check the fast path). */
  get openedKb(): boolean {
    return this.#kb !== undefined;
  }

  async close(): Promise<void> {
    // A knowledge base that failed to open already reported it from getProbe.
    const kb = await this.#kb?.catch(() => undefined);
    await kb?.close();
  }
}
