import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Fixtures for the runtime loader: real venvs made by real interpreters, distributions written by
 * hand the way an installer leaves them (module files + *.dist-info with METADATA, RECORD,
 * top_level.txt), bubbles in the format of src/runtime/README.md, and C extensions built with gcc.
 */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const runtimeDir = join(repoRoot, "src", "runtime", "omnipkg");
export const pyScriptsDir = join(repoRoot, "test", "runtime", "py");

export interface Dist {
  name: string;
  version: string;
  /** path relative to the site folder -> contents */
  files: Record<string, string | Buffer>;
  requires?: string[];
  /** contents of *.dist-info/entry_points.txt */
  entryPoints?: string;
}

export interface Venv {
  dir: string;
  python: string;
  site: string;
  /** "3.11" */
  minor: string;
  include: string;
  extSuffix: string;
}

export function makeTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `omnipkg-${label}-`));
}

export function makeVenv(basePython: string, dir: string): Venv {
  execFileSync(basePython, ["-m", "venv", "--without-pip", dir], { stdio: "pipe" });
  const python = join(dir, "bin", "python");
  const out = execFileSync(
    python,
    [
      "-c",
      "import sys, sysconfig, json; p = sysconfig.get_paths(); print(json.dumps([p['purelib'], '%d.%d' % sys.version_info[:2], p['include'], sysconfig.get_config_var('EXT_SUFFIX')]))",
    ],
    { encoding: "utf8" },
  );
  const [site, minor, include, extSuffix] = JSON.parse(out) as [string, string, string, string];
  return { dir, python, site, minor, include, extSuffix };
}

/** What the product's shipping step does: copy every file of the runtime package into site-packages. */
export function installRuntime(site: string): void {
  const target = join(site, "omnipkg");
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(runtimeDir)) {
    if (name.endsWith(".py") || name === "README.md") cpSync(join(runtimeDir, name), join(target, name));
  }
}

function recordHash(data: Buffer): string {
  return "sha256=" + createHash("sha256").update(data).digest("base64url");
}

function distInfoName(dist: Dist): string {
  return `${dist.name.replace(/[-_.]+/g, "_")}-${dist.version}.dist-info`;
}

/** Top-level import names of a dist, as an installer would compute them from its files. */
export function topLevelOf(dist: Dist): string[] {
  const names = new Set<string>();
  for (const rel of Object.keys(dist.files)) {
    const first = rel.split("/")[0]!;
    if (rel.includes("/")) names.add(first);
    else if (first.endsWith(".py")) names.add(first.slice(0, -3));
    else names.add(first.split(".")[0]!);
  }
  return [...names].sort();
}

export function hasExtensions(dist: Dist): boolean {
  return Object.keys(dist.files).some((rel) => rel.endsWith(".so") || rel.endsWith(".pyd"));
}

/** Write a dist into `site` (main site-packages or a bubble folder) with a complete RECORD. */
export function writeDist(site: string, dist: Dist): void {
  const info = distInfoName(dist);
  const record: string[] = [];
  const write = (rel: string, data: string | Buffer): void => {
    const path = join(site, rel);
    mkdirSync(dirname(path), { recursive: true });
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    writeFileSync(path, bytes);
    record.push(`${rel},${recordHash(bytes)},${bytes.length}`);
  };
  for (const [rel, data] of Object.entries(dist.files)) write(rel, data);
  const metadata = [
    "Metadata-Version: 2.1",
    `Name: ${dist.name}`,
    `Version: ${dist.version}`,
    ...(dist.requires ?? []).map((r) => `Requires-Dist: ${r}`),
    "",
  ].join("\n");
  write(`${info}/METADATA`, metadata);
  write(
    `${info}/WHEEL`,
    "Wheel-Version: 1.0\nGenerator: omnipkg-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
  );
  write(`${info}/top_level.txt`, topLevelOf(dist).join("\n") + "\n");
  write(`${info}/INSTALLER`, "omnipkg\n");
  if (dist.entryPoints) write(`${info}/entry_points.txt`, dist.entryPoints);
  record.push(`${info}/RECORD,,`);
  writeFileSync(join(site, info, "RECORD"), record.join("\n") + "\n");
}

export interface BubbleMember {
  dist: Dist;
  location: "bubble" | "main";
}

/**
 * Write `<env>/bubbles/<name>-<version>/` the way the installer must: build it in a temporary
 * sibling, then rename it into place, so a reader never sees half a bubble.
 */
export function writeBubble(
  venv: Venv,
  root: Dist,
  members: BubbleMember[],
  options: { topLevel?: boolean } = {},
): string {
  const bubbles = join(venv.dir, "bubbles");
  mkdirSync(bubbles, { recursive: true });
  const name = `${root.name.toLowerCase().replace(/[-_.]+/g, "-")}-${root.version}`;
  const staging = join(bubbles, `.tmp-${name}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  for (const member of members) if (member.location === "bubble") writeDist(staging, member.dist);
  const manifest = {
    format: 1,
    name: root.name,
    version: root.version,
    python: venv.minor,
    created: "2026-11-23T00:00:00Z",
    dists: members.map((m) => ({
      name: m.dist.name,
      version: m.dist.version,
      location: m.location,
      // Without top_level/has_extensions (a hand-made manifest) the loader reads the RECORD files.
      ...(options.topLevel === false
        ? {}
        : { top_level: topLevelOf(m.dist), has_extensions: hasExtensions(m.dist) }),
    })),
  };
  writeFileSync(join(staging, ".omnipkg-bubble.json"), JSON.stringify(manifest, null, 2) + "\n");
  const final = join(bubbles, name);
  rmSync(final, { recursive: true, force: true });
  renameSync(staging, final);
  return final;
}

const extensionSource = (version: string): string => `#define PY_SSIZE_T_CLEAN
#include <Python.h>
static PyObject *version(PyObject *self, PyObject *args) { return PyUnicode_FromString("${version}"); }
static PyMethodDef methods[] = {{"version", version, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, methods};
PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }
`;

/** Compile `tinyext/_core<EXT_SUFFIX>` for this venv's interpreter with the machine's C compiler. */
export function buildExtension(venv: Venv, version: string, workDir: string): Buffer {
  const cc = process.env.CC ?? "gcc";
  const probe = spawnSync(cc, ["--version"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `This test builds a C extension and needs a C compiler: '${cc}' did not run (set CC, or install gcc).`,
    );
  }
  if (!existsSync(join(venv.include, "Python.h"))) {
    throw new Error(`This test needs Python.h for ${venv.python}; ${venv.include} has none.`);
  }
  const src = join(workDir, `core-${version}.c`);
  const out = join(workDir, `core-${version}${venv.extSuffix}`);
  writeFileSync(src, extensionSource(version));
  execFileSync(cc, ["-shared", "-fPIC", "-O0", `-I${venv.include}`, "-o", out, src], { stdio: "pipe" });
  return readFileSync(out);
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runPython(python: string, args: string[], env: Record<string, string> = {}): RunResult {
  const result = spawnSync(python, args, {
    encoding: "utf8",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
