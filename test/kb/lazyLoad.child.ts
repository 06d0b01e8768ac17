/**
 * Child for the lazy-loading test: records every module specifier resolved while it opens a
 * knowledge base and reads from it, then prints which backend libraries were loaded.
 * argv: <home root> <kb url>
 */
import { registerHooks } from "node:module";

const seen = new Set<string>();
registerHooks({
  resolve(specifier, context, nextResolve) {
    seen.add(specifier);
    return nextResolve(specifier, context);
  },
});
const [root, url] = process.argv.slice(2) as [string, string];
const { homeLayout } = await import("../../src/core/home.ts");
const { openKnowledgeBase } = await import("../../src/kb/index.ts");
const kb = await openKnowledgeBase(homeLayout(root), { url });
await kb.getProbe({ path: "/p", mtimeMs: 1, size: 1 });
await kb.close();
const specifiers = [...seen];
process.stdout.write(
  JSON.stringify({
    backend: kb.backend,
    ioredis: specifiers.some((s) => /(^|\/)ioredis/.test(s)),
    sqlite: specifiers.some((s) => s === "node:sqlite" || s === "sqlite"),
  }),
);
