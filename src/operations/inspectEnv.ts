/**
 * The inspection engine's public surface: `list` and `info` (inspectPackages.ts), `freeze`
 * (inspectFreeze.ts), `check` (inspectCheck.ts). The CLI imports the single modules so that each
 * command loads only its own code; this file is for callers that want all of it.
 */
export {
  listPackages,
  packageInfo,
  PackageNotInstalled,
  type BubbleDistEntry,
  type BubbledVersionInfo,
  type BubbleSummary,
  type InstalledVersionInfo,
  type MainPackage,
  type PackageInfo,
  type PackageListing,
} from "./inspectPackages.ts";
export { freeze, type FreezeOptions } from "./inspectFreeze.ts";
export { checkEnv, type CheckProblem, type CheckReport } from "./inspectCheck.ts";
export { staleEntries, type StaleEntry } from "./inspectStale.ts";
export type { InspectTarget } from "./inspectDists.ts";
export type { ByteUsage } from "./inspectSizes.ts";
