import { createDebug } from "../core/debug.ts";
import { isOmnipkgError } from "../core/errors.ts";
import { discoverCandidates, type DiscoveryOptions, type InterpreterCandidate } from "./discover.ts";
import type { InterpreterFacts } from "./facts.ts";
import { probeInterpreter, type ProbeCache } from "./probe.ts";
import { compareVersionStrings } from "./request.ts";

/**
 * Discovery plus probe: every interpreter on the machine with its facts, newest first. Candidates
 * that fail the probe (broken installs, Python 2 under an unusual name) are left out, with a debug
 * line saying why; an explicit request for one of them gets the real error from `probeInterpreter`.
 */
export interface FoundInterpreter {
  candidate: InterpreterCandidate;
  facts: InterpreterFacts;
}

const debug = createDebug("python");
const PARALLEL_PROBES = 4;

export async function findInterpreters(
  options: DiscoveryOptions & { cache?: ProbeCache } = {},
): Promise<FoundInterpreter[]> {
  const candidates = discoverCandidates(options);
  const found: (FoundInterpreter | undefined)[] = new Array(candidates.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < candidates.length) {
      const index = next++;
      const candidate = candidates[index]!;
      try {
        found[index] = { candidate, facts: await probeInterpreter(candidate.realPath, options.cache) };
      } catch (error) {
        if (!isOmnipkgError(error)) throw error;
        debug(`skipping ${candidate.path}: ${error.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_PROBES, candidates.length) }, worker));
  return found
    .filter((f): f is FoundInterpreter => f !== undefined)
    .sort((a, b) => compareVersionStrings(b.facts.version, a.facts.version));
}
