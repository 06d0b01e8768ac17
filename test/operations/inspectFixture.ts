import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { schemeForEnv } from "../../src/install/index.ts";
import type { InspectTarget } from "../../src/operations/inspectEnv.ts";
import { probeInterpreter } from "../../src/python/index.ts";
import { buildWheel, type BuiltWheel, type WheelSpec } from "../helpers/buildWheel.ts";
import { requirePythons } from "../helpers/pythons.ts";

/**
 * A real venv (with pip) that real pip fills from tiny wheels, broken on purpose so `pip check`
 * has something to say: alpha needs beta (absent) and epsilon<1 (1.5 is installed); markers and
 * extras that must be ignored; omega installed from a path (PEP 610, so freeze prints `@ url`).
 */
export interface InspectFixture {
  root: string;
  env: string;
  python: string;
  target: InspectTarget;
  wheelsDir: string;
  wheel(spec: WheelSpec): BuiltWheel;
}

export function runPython(
  python: string,
  args: string[],
): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(python, args, {
    encoding: "utf8",
    timeout: 180_000,
    env: { ...process.env, PIP_NO_INPUT: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_COLOR: "1" },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function pip(fx: InspectFixture, args: string[]): { status: number; stdout: string; stderr: string } {
  return runPython(fx.python, ["-m", "pip", ...args]);
}

export function pipOk(fx: InspectFixture, args: string[]): string {
  const r = pip(fx, args);
  assert.equal(r.status, 0, `pip ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

export const BIG = "# a line of padding so sizes are not trivial\n".repeat(300);

export async function createInspectFixture(prefix: string): Promise<InspectFixture> {
  const [base] = requirePythons(1, 8);
  const root = mkdtempSync(join(tmpdir(), `omnipkg-${prefix}-`));
  const env = join(root, "venv");
  const wheelsDir = join(root, "wheels");
  mkdirSync(wheelsDir);
  execFileSync(base!.path, ["-m", "venv", env], { stdio: "ignore", timeout: 180_000 });
  const python = join(env, "bin", "python");
  const wheel = (spec: WheelSpec): BuiltWheel => buildWheel(spec, wheelsDir);
  const fx: InspectFixture = {
    root,
    env,
    python,
    wheelsDir,
    wheel,
    target: { envDir: env, scheme: schemeForEnv(env), facts: await probeInterpreter(python), label: env },
  };
  wheel({
    name: "alpha",
    version: "1.0",
    files: { "alpha/__init__.py": "A = 1\n" + BIG },
    // Missing.Dep is printed canonical; kappa is needed only on 3.12+ (the target's markers decide).
    requiresDist: [
      "beta>=2",
      "epsilon<1",
      'gamma; python_version < "3"',
      "Missing.Dep",
      'kappa; python_version >= "3.12"',
    ],
    extras: { fast: ["delta>=1"] },
  });
  wheel({ name: "epsilon", version: "1.5", files: { "epsilon/__init__.py": "E = 15\n" } });
  wheel({
    name: "Zeta_Pkg",
    version: "1.0.0",
    files: { "zeta_pkg/__init__.py": "Z = 1\n" },
    // eta is a pre-release: present dependencies are checked with pre-releases allowed.
    requiresDist: ["epsilon>=1.0rc1", 'alpha; sys_platform == "linux"', "eta>=1"],
  });
  // Spelled un-normalised: pip prints and compares 2.0rc1.
  wheel({ name: "eta", version: "2.0RC1", files: { "eta/__init__.py": "" } });
  const omega = buildWheel(
    { name: "omega", version: "3.0", files: { "omega/__init__.py": "O = 3\n" } },
    join(root),
  );
  pipOk(fx, [
    "install",
    "--no-index",
    "--no-deps",
    "--find-links",
    wheelsDir,
    "alpha",
    "epsilon",
    "Zeta_Pkg",
    "eta",
  ]);
  pipOk(fx, ["install", "--no-index", "--no-deps", omega.path]);
  return fx;
}

/** Rewrite an installed distribution's WHEEL tags (pip check then calls it unsupported). */
export function retagInstalled(fx: InspectFixture, distPrefix: string, tag: string): void {
  const site = fx.target.scheme.purelib;
  const distInfo = readdirSync(site).find((d) => d.startsWith(distPrefix) && d.endsWith(".dist-info"));
  assert.ok(distInfo, `${distPrefix}*.dist-info not found in ${site}`);
  writeFileSync(
    join(site, distInfo, "WHEEL"),
    `Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: ${tag}\n`,
  );
}

/** Non-empty output lines, sorted (pip lists packages in directory order). */
export function sortedLines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "")
    .sort();
}
