/**
 * Child process for the concurrency test: records N revisions (each with a distribution change)
 * on one environment as fast as it can and prints the numbers it was given, as JSON.
 * Both children open the KB first, then wait for the same start instant, so their writes overlap.
 * argv: <home root> <kb url> <env id> <count> <tag> <start at, epoch ms>
 */
import { homeLayout } from "../../src/core/home.ts";
import { openKnowledgeBase } from "../../src/kb/index.ts";

const [root, url, envId, count, tag, startAt] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const kb = await openKnowledgeBase(homeLayout(root), { url });
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const numbers: number[] = [];
try {
  for (let i = 0; i < Number(count); i++) {
    const name = `${tag}-pkg`;
    const n = await kb.applyChange({
      envId,
      put: [{ name, version: `1.${i}`, installer: "omnipkg", wheelSha256: null, requested: true, files: [] }],
      revision: { command: `${tag} ${i}`, added: [{ name, version: `1.${i}` }] },
    });
    numbers.push(n!);
  }
} finally {
  await kb.close();
}
process.stdout.write(JSON.stringify(numbers));
