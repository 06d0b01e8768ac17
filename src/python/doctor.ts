import { accessSync, constants, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { readConfig, type OmnipkgConfig } from "../core/config.ts";
import { isOmnipkgError } from "../core/errors.ts";
import type { HomeLayout } from "../core/home.ts";
import { isEnvHealthy } from "./envPaths.ts";
import { readActiveId } from "./homeState.ts";
import { PIN_PTH, sitePackagesOf } from "./installRuntime.ts";
import { shimsPlacement } from "./status.ts";

/**
 * `doctor` for the interpreter area: each finding says what is wrong and the one command that fixes
 * it. Doctor only reads; it never repairs on its own, so it is safe on a home it does not understand.
 */
export interface Finding {
  check: string;
  ok: boolean;
  /** "error" makes doctor exit 1; "warning" is advice (for example shims not on PATH). */
  level: "error" | "warning";
  message: string;
  fix?: string;
}

function ok(check: string, message: string): Finding {
  return { check, ok: true, level: "error", message };
}

function bad(check: string, message: string, fix: string, level: "error" | "warning" = "error"): Finding {
  return { check, ok: false, level, message, fix };
}

function checkHome(layout: HomeLayout): Finding {
  if (!existsSync(layout.root)) {
    return bad("home", `The home ${layout.root} does not exist yet.`, "omnipkg python adopt 3", "warning");
  }
  try {
    if (!statSync(layout.root).isDirectory()) throw new Error("not a directory");
    accessSync(layout.root, constants.W_OK);
    return ok("home", `Home ${layout.root} is writable.`);
  } catch {
    return bad(
      "home",
      `The home ${layout.root} is not a writable folder.`,
      "export OMNIPKG_HOME=<a folder you can write>",
    );
  }
}

function checkInterpreters(layout: HomeLayout, config: OmnipkgConfig): Finding[] {
  const findings: Finding[] = [];
  const records = Object.values(config.interpreters);
  if (records.length === 0) {
    findings.push(bad("interpreters", "No interpreter is adopted.", "omnipkg python adopt 3", "warning"));
    return findings;
  }
  for (const r of records) {
    if (!existsSync(r.path)) {
      // The active one cannot be removed while the shims point at it: switch away first.
      const fix =
        config.activePython === r.id
          ? `omnipkg python adopt <VERSION> && omnipkg swap python <VERSION> && omnipkg python remove ${r.id}`
          : `omnipkg python remove ${r.id}`;
      findings.push(bad(`python ${r.id}`, `The interpreter ${r.path} of Python ${r.id} is gone.`, fix));
    } else if (!isEnvHealthy(r.envDir)) {
      findings.push(
        bad(
          `python ${r.id}`,
          `The managed environment ${r.envDir} is missing or broken.`,
          `omnipkg python adopt ${r.path}`,
        ),
      );
    } else {
      let pinned: boolean;
      try {
        pinned = existsSync(join(sitePackagesOf(r.envDir), PIN_PTH));
      } catch {
        pinned = false;
      }
      findings.push(
        pinned
          ? ok(`python ${r.id}`, `Python ${r.id} (${r.path}) and its environment are present.`)
          : bad(
              `python ${r.id}`,
              `omnipkg's runtime files are missing from ${r.envDir}.`,
              "omnipkg python rescan",
            ),
      );
    }
  }
  const registered = new Set(records.map((r) => r.envDir));
  let names: string[] = [];
  try {
    names = readdirSync(layout.envsDir);
  } catch {
    // no envs folder
  }
  for (const name of names) {
    const dir = join(layout.envsDir, name);
    if (!registered.has(dir)) {
      findings.push(
        bad(
          "envs",
          `${dir} belongs to no adopted interpreter (an interrupted adopt or remove).`,
          "omnipkg python rescan",
          "warning",
        ),
      );
    }
  }
  const linkId = readActiveId(layout);
  const active = config.activePython;
  if (linkId === undefined || !(linkId in config.interpreters)) {
    const target = active ?? records[0]!.id;
    findings.push(
      bad(
        "active",
        `The link ${layout.activeLink} does not point at an adopted environment.`,
        `omnipkg swap python ${target}`,
      ),
    );
  } else if (active !== linkId) {
    findings.push(
      bad(
        "active",
        `The config says Python ${active ?? "none"} is active but the shims run ${linkId} (an interrupted swap).`,
        `omnipkg swap python ${linkId}`,
      ),
    );
  } else {
    findings.push(ok("active", `The shims run Python ${linkId}.`));
  }
  return findings;
}

export function diagnoseHome(layout: HomeLayout, env: NodeJS.ProcessEnv = process.env): Finding[] {
  const findings = [checkHome(layout)];
  let config: OmnipkgConfig | undefined;
  try {
    config = readConfig(layout.configFile);
    findings.push(ok("config", `${layout.configFile} is valid.`));
  } catch (error) {
    if (!isOmnipkgError(error)) throw error;
    findings.push(
      bad(
        "config",
        error.message,
        `edit ${layout.configFile} to fix it, or move it aside (mv ${layout.configFile} ${layout.configFile}.bak) and adopt again with \`omnipkg python adopt <VERSION>\``,
      ),
    );
  }
  if (config) findings.push(...checkInterpreters(layout, config));
  const shims = shimsPlacement(layout, env);
  if (!shims.leads) {
    const why = shims.onPath ? `${shims.shadowedBy} comes before them on PATH` : "they are not on PATH";
    findings.push(
      bad(
        "shims",
        `The shims ${layout.shimsDir} do not lead PATH: ${why}.`,
        'eval "$(omnipkg shell-init)"',
        "warning",
      ),
    );
  } else {
    findings.push(ok("shims", `The shims ${layout.shimsDir} lead PATH.`));
  }
  return findings;
}
