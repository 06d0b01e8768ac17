import type { HomeLayout } from "../core/home.ts";
import type { KnowledgeBase } from "../kb/types.ts";
import { ensureHomeWritable } from "./homeState.ts";

/**
 * Commands that probe open the knowledge base for its probe cache, and close it after. Loaded
 * lazily: swap never reaches this file, so it never loads SQLite.
 */
export async function withKnowledgeBase<T>(
  layout: HomeLayout,
  fn: (kb: KnowledgeBase) => Promise<T>,
  options: { forWrite?: boolean } = {},
): Promise<T> {
  // A mutating command in a home it cannot write should say so, not fail inside SQLite.
  if (options.forWrite) ensureHomeWritable(layout);
  const { openKnowledgeBase } = await import("../kb/index.ts");
  const kb = await openKnowledgeBase(layout);
  try {
    return await fn(kb);
  } finally {
    await kb.close();
  }
}
