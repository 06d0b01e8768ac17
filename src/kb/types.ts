import type { InterpreterFacts } from "../python/facts.ts";

/**
 * The knowledge base interface. SQLite (default, `node:sqlite`) and Redis implement it; the same
 * test suite runs against both. Areas add methods here as they need them; every method is one
 * consistent unit (a transaction in SQLite, MULTI/EXEC or Lua in Redis).
 */
export interface ProbeCacheKey {
  /** Real path of the interpreter executable. */
  path: string;
  mtimeMs: number;
  size: number;
}

export interface KnowledgeBase {
  readonly backend: "sqlite" | "redis";
  /** Where it lives, safe to print: a file path, or a Redis URL without its password. */
  readonly location: string;
  /** A cached probe, or undefined when the executable changed (path + mtime + size differ). */
  getProbe(key: ProbeCacheKey): Promise<InterpreterFacts | undefined>;
  putProbe(key: ProbeCacheKey, facts: InterpreterFacts): Promise<void>;
  close(): Promise<void>;
}
