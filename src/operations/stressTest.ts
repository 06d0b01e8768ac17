import { nowMs } from "../core/clock.ts";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { OmnipkgError, UsageError } from "../core/errors.ts";
import { homeLayout, type HomeLayout } from "../core/home.ts";
import type { InterpreterRecord } from "../core/config.ts";
import { runtimeDir } from "../core/packageRoot.ts";
import { createIndexClient, loadIndexSettings, type IndexClient, type IndexFlags } from "../index/index.ts";
import { listInstalled, schemeForEnv, siteDirs } from "../install/index.ts";
import { openKnowledgeBase } from "../kb/index.ts";
import {
  envPython,
  findAdopted,
  probeInterpreter,
  readConfigEnsuringPython,
  type InterpreterFacts,
} from "../python/index.ts";
import {
  canonicalizeName,
  compareVersions,
  normalizeVersion,
  parseWheelFilename,
  SpecifierSet,
  supportedTags,
} from "../standards/index.ts";
import { createStore } from "../store/index.ts";
import { measureBytes } from "./envStatus.ts";
import { installPackages } from "./install.ts";

/**
 * `omnipkg stress-test`: the live demonstration. For every adopted interpreter (or those named) it
 * installs several versions of a few packages (the first of each into main when main lacks it, the
 * others into bubbles), then runs src/runtime/stress_check.py in ONE process of that interpreter,
 * which switches between the versions mid-script with `omnipkg.loader()` and checks each time that
 * the module and its metadata are the requested version. Versions the indexes lack, or that have
 * no wheel for an interpreter, are skipped and said; sdists are never built here (slow, and not
 * what is being demonstrated).
 */

/** One package of the plan: each slot is one version to test, given as alternatives tried in order. */
export interface PackagePlan {
  name: string;
  slots: string[][];
}

/**
 * Pure-Python packages plus numpy in two major versions. Alternatives cover the interpreters a
 * version has no wheels for: numpy 1.26.4 has wheels for 3.9-3.12, 1.24.4 for 3.8-3.11; 2.0.2
 * for 3.9-3.12, 2.2.6 for 3.10-3.13.
 */
export const DEFAULT_PACKAGES: PackagePlan[] = [
  { name: "rich", slots: [["13.4.2"], ["13.9.4"]] },
  { name: "requests", slots: [["2.31.0"], ["2.32.3"]] },
  { name: "urllib3", slots: [["1.26.20"], ["2.2.3"]] },
  {
    name: "numpy",
    slots: [
      ["1.26.4", "1.24.4"],
      ["2.0.2", "2.2.6"],
    ],
  },
];

export const MIN_LOADER_PYTHON: readonly [number, number] = [3, 8];

export interface StressTestRequest {
  /** Adopted interpreters to test (default: all). */
  pythons?: string[];
  /** `name==v1,v2` (a slot may list alternatives `a|b`); default DEFAULT_PACKAGES. */
  packages?: string[];
  indexFlags?: IndexFlags;
  /** How many times every version is activated (default 2: there and back again). */
  rounds?: number;
}

export interface StressEvents {
  progress?: (message: string) => void;
  warn?: (message: string) => void;
}

export interface StressResult {
  python: string;
  package: string;
  version: string;
  location: "main" | "bubble" | null;
  round: number;
  activateMs: number | null;
  importMs: number | null;
  ok: boolean;
  mode: "in-process" | "subprocess";
  detail: string;
  guard?: string;
}

export interface StressSkip {
  python: string;
  package?: string;
  version?: string;
  reason: string;
}

export interface DedupFigures {
  /** Bytes of every file in the tested main site-packages and bubbles, counted per path. */
  logicalBytes: number;
  /** The same files counted once per inode: what they take on disk. */
  diskBytes: number;
  savedBytes: number;
  store: { referencedBytes: number; uniqueBytes: number; ratio: number };
}

export interface StressReport {
  indexStrategy: string;
  interpreters: { id: string; version: string; envDir: string; checkMs: number; mainRestored: boolean }[];
  results: StressResult[];
  skipped: StressSkip[];
  dedup: DedupFigures;
  ok: boolean;
}

export function parsePackagesOption(words: string[]): PackagePlan[] {
  return words.map((word) => {
    const match = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(\S+)\s*$/.exec(word);
    if (!match) {
      throw new UsageError(`"${word}" is not NAME==VERSION[,VERSION...].`, {
        hint: "For example: --packages rich==13.4.2,13.9.4 numpy==1.26.4,2.0.2",
      });
    }
    const slots = match[2]!.split(",").map((slot) =>
      slot.split("|").map((v) => {
        try {
          return normalizeVersion(v);
        } catch {
          throw new UsageError(`"${v}" in "${word}" is not a valid version.`);
        }
      }),
    );
    return { name: canonicalizeName(match[1]!), slots };
  });
}

export async function runStressTest(
  request: StressTestRequest,
  events: StressEvents = {},
): Promise<StressReport> {
  const layout = homeLayout();
  const plan = request.packages?.length ? parsePackagesOption(request.packages) : DEFAULT_PACKAGES;
  const rounds = request.rounds ?? 2;
  const config = await readConfigEnsuringPython(layout, (m) => events.progress?.(m));
  const records = request.pythons?.length
    ? request.pythons.map((p) => findAdopted(config, p))
    : Object.values(config.interpreters).sort((a, b) => compareVersions(a.version, b.version));
  if (records.length === 0) {
    throw new OmnipkgError(
      "NO_INTERPRETERS",
      "No interpreter is adopted, so there is nothing to stress-test.",
      {
        hint: "Adopt some first: omnipkg python adopt 3.11",
      },
    );
  }
  // Why unsafe-best-match by default: a partial local mirror configured as an extra index (pip's
  // extra-index-url) would, under first-index, be the only source of every project it has, and the
  // versions the test needs would be "missing" although the default index has them. The stress
  // test installs well-known public packages into omnipkg's own environments, so the
  // dependency-confusion guard that first-index gives buys nothing here. --index-strategy overrides.
  const indexFlags: IndexFlags = { indexStrategy: "unsafe-best-match", ...request.indexFlags };
  const settings = loadIndexSettings({ flags: indexFlags, cacheDir: join(layout.cacheDir, "http") });
  const client = createIndexClient(settings, events.warn ? { onWarning: events.warn } : {});
  const report: StressReport = {
    indexStrategy: settings.indexStrategy.value,
    interpreters: [],
    results: [],
    skipped: [],
    dedup: emptyDedup(),
    ok: true,
  };
  try {
    for (const record of records)
      await stressInterpreter(record, { layout, plan, rounds, indexFlags, client, report, events });
  } finally {
    await client.close();
  }
  report.dedup = measureDedup(
    layout,
    report.interpreters.map((i) => i.envDir),
  );
  report.ok =
    report.results.length > 0 &&
    report.results.every((r) => r.ok) &&
    report.interpreters.every((i) => i.mainRestored);
  return report;
}

interface StressContext {
  layout: HomeLayout;
  plan: PackagePlan[];
  rounds: number;
  indexFlags: IndexFlags;
  client: IndexClient;
  report: StressReport;
  events: StressEvents;
}

async function stressInterpreter(record: InterpreterRecord, ctx: StressContext): Promise<void> {
  const { report, events } = ctx;
  const label = `${record.implementation === "cpython" || !record.implementation ? "" : record.implementation + " "}${record.version}`;
  const [major = 0, minor = 0] = record.version.split(".").map(Number);
  if (major < MIN_LOADER_PYTHON[0] || (major === MIN_LOADER_PYTHON[0] && minor < MIN_LOADER_PYTHON[1])) {
    report.skipped.push({
      python: record.version,
      reason: `the runtime loader supports Python ${MIN_LOADER_PYTHON.join(".")}+; Python ${record.version} is skipped`,
    });
    events.progress?.(`Python ${label}: skipped (the loader needs Python ${MIN_LOADER_PYTHON.join(".")}+)`);
    return;
  }
  const kb = await openKnowledgeBase(ctx.layout);
  let facts: InterpreterFacts;
  try {
    facts = await probeInterpreter(envPython(record.envDir), kb);
  } finally {
    await kb.close();
  }
  events.progress?.(`Python ${label}: looking up ${ctx.plan.map((p) => p.name).join(", ")}`);
  const chosen = await chooseVersions(ctx, facts, record.version);
  const specs = chosen.map((c) => `${c.name}==${c.version}`);
  if (specs.length === 0) return;
  events.progress?.(`Python ${label}: installing ${specs.join(" ")}`);
  const installed = await installSpecs(ctx, record, specs);
  const main = new Map(listInstalled(schemeForEnv(record.envDir)).map((d) => [d.canonicalName, d.version]));
  // Per package, main's version first: an extension module loaded from a bubble first would have
  // to share the process with main's (see stress_check.py).
  const cases = ctx.plan.flatMap((p) =>
    chosen
      .filter((c) => c.name === p.name && installed.has(`${c.name}==${c.version}`))
      .sort((a, b) => Number(main.get(b.name) === b.version) - Number(main.get(a.name) === a.version))
      .map((c) => ({ dist: c.name, version: c.version, module: null })),
  );
  if (cases.length === 0) return;
  events.progress?.(
    `Python ${label}: switching between ${cases.length} versions, ${ctx.rounds} rounds, in one process`,
  );
  const started = nowMs();
  const output = await runCheck(envPython(record.envDir), { cases, rounds: ctx.rounds });
  const checkMs = nowMs() - started;
  report.interpreters.push({
    id: record.id,
    version: record.version,
    envDir: record.envDir,
    checkMs,
    mainRestored: output.mainRestored,
  });
  for (const r of output.results) {
    report.results.push({
      python: record.version,
      package: r.dist,
      version: r.version,
      location: r.location,
      round: r.round,
      activateMs: r.activateMs,
      importMs: r.importMs,
      ok: r.ok,
      mode: r.mode,
      detail: r.detail,
      ...(r.guard ? { guard: r.guard } : {}),
    });
  }
}

/** For each slot, the first alternative the indexes have a usable wheel of for this interpreter. */
async function chooseVersions(
  ctx: StressContext,
  facts: InterpreterFacts,
  python: string,
): Promise<{ name: string; version: string }[]> {
  const tags = new Set(supportedTags(facts).map(String));
  const pyVersion = facts.version_info.slice(0, 3).join(".");
  const out: { name: string; version: string }[] = [];
  for (const p of ctx.plan) {
    let files: { filename: string; requiresPython: string | undefined; yanked: boolean | string }[];
    try {
      files = (await ctx.client.getProject(p.name)).files;
    } catch (error) {
      ctx.report.skipped.push({
        python,
        package: p.name,
        reason: `not found on the configured indexes (${messageOf(error)})`,
      });
      continue;
    }
    for (const slot of p.slots) {
      const reasons: string[] = [];
      const pick = slot.find((version) => {
        const ofVersion = files.filter((f) => versionOfWheel(f.filename) === version);
        if (ofVersion.length === 0) {
          const sdist = files.some(
            (f) => !f.filename.endsWith(".whl") && f.filename.includes(`-${version}.`),
          );
          reasons.push(`${version}: ${sdist ? "only an sdist" : "not"} on the configured indexes`);
          return false;
        }
        const usable = ofVersion.some(
          (f) =>
            f.yanked === false &&
            (!f.requiresPython ||
              new SpecifierSet(f.requiresPython).contains(pyVersion, { prereleases: true })) &&
            parseWheelFilename(f.filename).tags.some((t) => tags.has(String(t))),
        );
        if (!usable) reasons.push(`${version}: no wheel for this interpreter`);
        return usable;
      });
      // With a single alternative the version is already in the label: say only why.
      const why = slot.length === 1 ? reasons.map((r) => r.replace(/^[^:]+: /, "")) : reasons;
      if (pick) out.push({ name: p.name, version: pick });
      else
        ctx.report.skipped.push({
          python,
          package: p.name,
          version: slot.join("|"),
          reason: why.join("; "),
        });
    }
  }
  return out;
}

function versionOfWheel(filename: string): string | undefined {
  if (!filename.endsWith(".whl")) return undefined;
  try {
    return parseWheelFilename(filename).version.toString();
  } catch {
    return undefined;
  }
}

/** One install for everything (one resolve); when it fails, each spec alone so one bad apple is named. */
async function installSpecs(
  ctx: StressContext,
  record: InterpreterRecord,
  specs: string[],
): Promise<Set<string>> {
  const install = (requirements: string[]) =>
    installPackages(
      {
        requirements,
        target: { python: record.id },
        indexFlags: ctx.indexFlags,
        command: `omnipkg stress-test (${requirements.join(" ")})`,
      },
      ctx.events.warn ? { warn: ctx.events.warn } : {},
    );
  try {
    await install(specs);
    return new Set(specs);
  } catch (error) {
    ctx.events.progress?.(
      `Python ${record.version}: installing them together failed (${messageOf(error)}); trying one by one`,
    );
  }
  const ok = new Set<string>();
  for (const spec of specs) {
    try {
      await install([spec]);
      ok.add(spec);
    } catch (error) {
      const [name, version] = spec.split("==");
      ctx.report.skipped.push({
        python: record.version,
        package: name!,
        version: version!,
        reason: `install failed: ${messageOf(error)}`,
      });
    }
  }
  return ok;
}

interface CheckOutput {
  python: string;
  mainRestored: boolean;
  /** stress_check.py's rows: a StressResult with the package as `dist`, before the python is added. */
  results: (Omit<StressResult, "python" | "package"> & { dist: string })[];
}

/** Async on purpose: a caller (a test) may be serving the index from this same process. */
function runCheck(python: string, plan: unknown): Promise<CheckOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(runtimeDir(), "stress_check.py")], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      try {
        const parsed = JSON.parse(stdout) as CheckOutput & { error?: string };
        if (parsed.error) throw new Error(parsed.error);
        resolve(parsed);
      } catch {
        reject(
          new OmnipkgError(
            "STRESS_CHECK_FAILED",
            `The check process (${python}) exited with ${code} and no report.`,
            {
              hint: stderr.trim().split("\n").slice(-5).join("\n") || "Run it again with OMNIPKG_DEBUG=1.",
            },
          ),
        );
      }
    });
    child.stdin.end(JSON.stringify(plan));
  });
}

function emptyDedup(): DedupFigures {
  return {
    logicalBytes: 0,
    diskBytes: 0,
    savedBytes: 0,
    store: { referencedBytes: 0, uniqueBytes: 0, ratio: 1 },
  };
}

/** Main site-packages and bubbles of the tested environments, each inode counted once across all. */
function measureDedup(layout: HomeLayout, envDirs: string[]): DedupFigures {
  const { logicalBytes, diskBytes } = measureBytes(
    ...envDirs.flatMap((envDir) => [...siteDirs(schemeForEnv(envDir)), join(envDir, "bubbles")]),
  );
  const status = existsSync(layout.storeDir) ? createStore(layout.storeDir).status() : undefined;
  return {
    logicalBytes,
    diskBytes,
    savedBytes: logicalBytes - diskBytes,
    store: status
      ? { referencedBytes: status.referencedBytes, uniqueBytes: status.uniqueBytes, ratio: status.ratio }
      : emptyDedup().store,
  };
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
}
