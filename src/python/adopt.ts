import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import type { InterpreterRecord, OmnipkgConfig } from "../core/config.ts";
import type { HomeLayout } from "../core/home.ts";
import { defaultPython3, discoverCandidates, searchedLocations, type InterpreterSource } from "./discover.ts";
import { NoInterpreterFound } from "./errors.ts";
import type { InterpreterFacts } from "./facts.ts";
import { findInterpreters } from "./findInterpreters.ts";
import { pointActiveLink, withHomeLock } from "./homeState.ts";
import { installRuntime } from "./installRuntime.ts";
import { isEnvHealthy } from "./envPaths.ts";
import { createManagedEnv } from "./managedEnv.ts";
import { probeInterpreter, type ProbeCache } from "./probe.ts";
import {
  interpreterIdFor,
  parseInterpreterRequest,
  versionMatches,
  type InterpreterRequest,
} from "./request.ts";

/**
 * `python adopt`: reference an interpreter in place (its prefix is never copied) and give it a
 * managed venv at envs/<id>. Idempotent: adopting an adopted interpreter only refreshes the
 * runtime files in its environment (or recreates a broken environment). The first adopted
 * interpreter becomes the active one.
 */

export interface AdoptOptions {
  cache?: ProbeCache;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  onProgress?: (message: string) => void;
}

export interface AdoptResult {
  record: InterpreterRecord;
  created: boolean;
  activated: boolean;
}

interface ResolvedInterpreter {
  realPath: string;
  source: InterpreterSource;
  facts: InterpreterFacts;
}

export async function resolveRequest(
  layout: HomeLayout,
  request: InterpreterRequest,
  options: AdoptOptions,
): Promise<ResolvedInterpreter> {
  const env = options.env ?? process.env;
  if (request.kind === "path") {
    const facts = await probeInterpreter(request.path, options.cache);
    const realPath = realpathSync(request.path);
    const known = discoverCandidates({ env, homeRoot: layout.root }).find((c) => c.realPath === realPath);
    return { realPath, source: known?.source ?? "explicit", facts };
  }
  const found = await findInterpreters({ env, homeRoot: layout.root, cache: options.cache });
  const match = found.find((f) => versionMatches(request, f.facts.version, f.facts.free_threaded));
  if (!match) {
    const versions = [...new Set(found.map((f) => interpreterIdFor(f.facts)))];
    throw new NoInterpreterFound(request.text, versions, searchedLocations(env));
  }
  return { realPath: match.candidate.realPath, source: match.candidate.source, facts: match.facts };
}

/** The id for this interpreter: its version, with -2, -3... if another interpreter already has it. */
function chooseId(config: OmnipkgConfig, facts: InterpreterFacts, realPath: string): string {
  const base = interpreterIdFor(facts);
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    const existing = config.interpreters[id];
    if (!existing || existing.path === realPath) return id;
  }
}

export async function adoptResolved(
  layout: HomeLayout,
  resolved: ResolvedInterpreter,
  options: AdoptOptions = {},
): Promise<AdoptResult> {
  return withHomeLock(layout, async ({ config, save }) => {
    const existing = Object.values(config.interpreters).find((r) => r.path === resolved.realPath);
    const id = existing?.id ?? chooseId(config, resolved.facts, resolved.realPath);
    const envDir = join(layout.envsDir, id);
    let created = false;
    if (!existing || !isEnvHealthy(envDir)) {
      options.onProgress?.(`Creating the managed environment for Python ${id} (${resolved.realPath})...`);
      mkdirSync(layout.envsDir, { recursive: true });
      await createManagedEnv(resolved.realPath, envDir);
      created = true;
    }
    installRuntime(envDir);
    const record: InterpreterRecord = {
      id,
      implementation: resolved.facts.implementation,
      version: resolved.facts.version,
      path: resolved.realPath,
      source: existing?.source ?? resolved.source,
      envDir,
      adoptedAt: existing?.adoptedAt || new Date().toISOString(),
    };
    config.interpreters[id] = record;
    const activated = config.activePython === undefined;
    if (activated) config.activePython = id;
    save(config);
    if (activated) pointActiveLink(layout, id);
    return { record, created, activated };
  });
}

export async function adoptInterpreter(
  layout: HomeLayout,
  requestText: string,
  options: AdoptOptions = {},
): Promise<AdoptResult> {
  const request = parseInterpreterRequest(requestText, options.cwd);
  return adoptResolved(layout, await resolveRequest(layout, request, options), options);
}

/**
 * Commands that need an interpreter call this first: on a home with none adopted, the interpreter
 * the user's `python3` runs today is adopted. Returns undefined when the home already has one.
 */
export async function ensureDefaultAdopted(
  layout: HomeLayout,
  config: OmnipkgConfig,
  options: AdoptOptions = {},
): Promise<AdoptResult | undefined> {
  if (Object.keys(config.interpreters).length > 0) return undefined;
  const env = options.env ?? process.env;
  const python3 = defaultPython3({ env, homeRoot: layout.root, cwd: options.cwd });
  if (!python3 || !existsSync(python3)) throw new NoInterpreterFound("python3", [], searchedLocations(env));
  options.onProgress?.(`No interpreter adopted yet; adopting the default python3 (${python3}).`);
  const request = parseInterpreterRequest(python3);
  return adoptResolved(layout, await resolveRequest(layout, request, options), options);
}
