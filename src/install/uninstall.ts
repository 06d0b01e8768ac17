import { canonicalName } from "../store/index.ts";
import { listInstalled } from "./distInfo.ts";
import { filesOfDist } from "./distFiles.ts";
import type { InstallScheme } from "./scheme.ts";
import { runTransaction, withEnvTransaction, type TransactionHooks } from "./transaction.ts";

/**
 * Remove distributions through their RECORD (whoever installed them), as one transaction: all of
 * them go, or none. Names that are not installed are reported, not treated as errors, so the
 * caller decides (uv warns, pip warns).
 */
export interface UninstallResult {
  removed: Array<{ name: string; version: string }>;
  missing: string[];
}

export function uninstall(
  scheme: InstallScheme,
  names: string[],
  options: { hooks?: TransactionHooks } = {},
): UninstallResult {
  return withEnvTransaction(scheme, () => {
    const installed = listInstalled(scheme);
    const result: UninstallResult = { removed: [], missing: [] };
    const removes: string[] = [];
    for (const name of names) {
      const matches = installed.filter((d) => d.canonicalName === canonicalName(name));
      if (matches.length === 0) {
        result.missing.push(name);
        continue;
      }
      for (const dist of matches) {
        removes.push(...filesOfDist(scheme, dist));
        result.removed.push({ name: dist.name, version: dist.version });
      }
    }
    if (removes.length > 0) runTransaction(scheme, { puts: [], removes }, options.hooks);
    return result;
  });
}
