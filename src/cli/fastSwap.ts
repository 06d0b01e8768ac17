import { readConfig } from "../core/config.ts";
import { homeLayout } from "../core/home.ts";
import { swapPython } from "../python/swap.ts";
import { ignoreClosedPipes, reportError } from "./reportError.ts";

/**
 * Entry for `omnipkg swap python <VERSION>`, the command people run most and feel most. bin/omnipkg.js
 * routes exactly that argument shape here: one bundled file holding the config reader, the lock and
 * the link swap, and nothing else (no chunk graph, no commander, no knowledge base). A home where
 * nothing is adopted yet needs first-use adoption, which lives in the full CLI: hand over to it.
 */
ignoreClosedPipes();
const layout = homeLayout();
let adopted: number;
try {
  adopted = Object.keys(readConfig(layout.configFile).interpreters).length;
} catch {
  adopted = 0; // a damaged config gets the full CLI's message and doctor hint
}
if (adopted === 0) {
  // A computed specifier keeps esbuild from inlining the full CLI into this bundle.
  const fullCli = "./cli.js";
  await import(fullCli);
} else {
  try {
    const result = await swapPython(layout, process.argv[4]!);
    process.stdout.write(
      result.changed
        ? `Switched to Python ${result.record.version}\n`
        : `Already on Python ${result.record.version}\n`,
    );
  } catch (error) {
    process.exitCode = reportError(error);
  }
}
