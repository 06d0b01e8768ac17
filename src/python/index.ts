/**
 * The interpreter area: discovery, probe, adopt, swap, managed environments. Other areas import
 * from here only.
 */
export type { InterpreterFacts, MarkerEnvironment } from "./facts.ts";
export type { InterpreterCandidate, InterpreterSource } from "./discover.ts";
export { discoverCandidates, defaultPython3 } from "./discover.ts";
export { probeInterpreter, type ProbeCache } from "./probe.ts";
export { findInterpreters, type FoundInterpreter } from "./findInterpreters.ts";
export { adoptInterpreter, ensureDefaultAdopted, type AdoptResult } from "./adopt.ts";
export { findAdopted, assertUsable } from "./adopted.ts";
export { swapPython, type SwapResult } from "./swap.ts";
export { removePython } from "./remove.ts";
export { rescanPythons } from "./rescan.ts";
export { readActiveId, withHomeLock } from "./homeState.ts";
export { envPython, isEnvHealthy } from "./envPaths.ts";
export { installRuntime, sitePackagesOf } from "./installRuntime.ts";
export { findPythonVersionFile } from "./pythonVersionFile.ts";
export { readConfigEnsuringPython } from "./ensureAdopted.ts";
export * from "./errors.ts";
