import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { findTestPythonsAtLeast, type TestPython } from "../helpers/pythons.ts";
import { installRuntime, makeTempDir, makeVenv, pyScriptsDir, runPython } from "./fixtures.ts";

/**
 * The loader with real wheels from the machine's local package mirror (found in pip's own
 * configuration, never the internet): pip installs rich 13.9.4 and its dependencies into main and
 * rich 15.0.0 alone into a bubble folder; the test writes the bubble's manifest from the real
 * RECORD files, as the installer will. Skipped, saying why, when no local mirror with both rich
 * versions is configured.
 */
const root = makeTempDir("loader-real");
after(() => rmSync(root, { recursive: true, force: true }));

/** pip arguments naming only the local mirror: file:// indexes and local find-links folders. */
function localMirror(python: TestPython): string[] | undefined {
  const result = runPython(python.path, ["-m", "pip", "config", "list"]);
  if (result.status !== 0) return undefined;
  const indexes = new Set<string>();
  const links = new Set<string>(
    (process.env.PIP_FIND_LINKS ?? "").split(/\s+/).filter((v) => v.startsWith("/")),
  );
  for (const line of result.stdout.split("\n")) {
    const m = /^[^=]*\.(index-url|extra-index-url|find-links)='(.*)'$/.exec(line.trim());
    if (!m) continue;
    for (const value of m[2]!.split(/\s+/)) {
      if (m[1] === "find-links" && value.startsWith("/")) links.add(value);
      else if (m[1] !== "find-links" && value.startsWith("file://")) indexes.add(value);
    }
  }
  if (indexes.size === 0 && links.size === 0) return undefined;
  const [first, ...rest] = [...indexes];
  return [
    ...(first ? ["--index-url", first] : ["--no-index"]),
    ...rest.flatMap((url) => ["--extra-index-url", url]),
    ...[...links].flatMap((dir) => ["--find-links", dir]),
  ];
}

function pipTarget(python: TestPython, mirror: string[], target: string, reqs: string[]): void {
  execFileSync(
    python.path,
    ["-m", "pip", "install", "-q", "--no-deps", ...mirror, "--target", target, ...reqs],
    {
      stdio: "pipe",
      env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1" },
    },
  );
}

function distInfo(dir: string, prefix: string): { name: string; version: string; topLevel: string[] } {
  const info = readdirSync(dir).find((n) => n.startsWith(prefix) && n.endsWith(".dist-info"));
  assert.ok(info, `no ${prefix}*.dist-info in ${dir}`);
  const [name, version] = info.slice(0, -".dist-info".length).split("-") as [string, string];
  const tops = new Set<string>();
  for (const line of readFileSync(join(dir, info, "RECORD"), "utf8").split("\n")) {
    const path = line.split(",")[0]!;
    const first = path.split("/")[0]!;
    if (!path || first.endsWith(".dist-info") || first === ".." || first === "__pycache__") continue;
    if (path.includes("/")) tops.add(first);
    else if (first.endsWith(".py")) tops.add(first.slice(0, -3));
  }
  return { name, version, topLevel: [...tops].sort() };
}

test("real rich 13.9.4 in main and 15.0.0 in a bubble", (t) => {
  const python = findTestPythonsAtLeast(10).find(
    (p) => runPython(p.path, ["-m", "pip", "--version"]).status === 0,
  );
  assert.ok(python, "no CPython 3.10+ with pip found");
  const mirror = localMirror(python);
  if (!mirror) {
    t.skip("pip's configuration names no local (file://) package mirror");
    return;
  }
  const venv = makeVenv(python.path, join(root, "env"));
  installRuntime(venv.site);
  try {
    pipTarget(python, mirror, venv.site, ["rich==13.9.4", "markdown-it-py", "mdurl", "pygments"]);
  } catch (error) {
    t.skip(`the local mirror lacks rich 13.9.4 or its dependencies: ${String(error).split("\n")[0]}`);
    return;
  }
  const staging = join(venv.dir, "bubbles", ".tmp-rich");
  mkdirSync(staging, { recursive: true });
  pipTarget(python, mirror, staging, ["rich==15.0.0"]);
  const bubbled = distInfo(staging, "rich-");
  const fromMain = ["markdown_it_py-", "mdurl-", "pygments-"].map((p) => distInfo(venv.site, p));
  const manifest = {
    format: 1,
    name: "rich",
    version: bubbled.version,
    python: venv.minor,
    created: new Date().toISOString(),
    dists: [
      {
        name: "rich",
        version: bubbled.version,
        location: "bubble",
        top_level: bubbled.topLevel,
        has_extensions: false,
      },
      ...fromMain.map((d) => ({
        name: d.name,
        version: d.version,
        location: "main",
        top_level: d.topLevel,
        has_extensions: false,
      })),
    ],
  };
  writeFileSync(join(staging, ".omnipkg-bubble.json"), JSON.stringify(manifest));
  renameSync(staging, join(venv.dir, "bubbles", `rich-${bubbled.version}`));
  const result = runPython(venv.python, [join(pyScriptsDir, "real_check.py")]);
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /ALL OK rich 13\.9\.4/);
});
