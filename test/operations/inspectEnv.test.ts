import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, linkSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { createBubble } from "../../src/bubbles/writeBubble.ts";
import {
  checkEnv,
  freeze,
  listPackages,
  packageInfo,
  PackageNotInstalled,
} from "../../src/operations/inspectEnv.ts";
import { measureTree } from "../../src/operations/inspectSizes.ts";
import { installRuntime } from "../../src/python/index.ts";
import { createLinker, createStore, type Store, type WheelManifest } from "../../src/store/index.ts";
import { buildWheel } from "../helpers/buildWheel.ts";
import {
  BIG,
  createInspectFixture,
  pip,
  pipOk,
  retagInstalled,
  sortedLines,
  type InspectFixture,
} from "./inspectFixture.ts";

/**
 * list / info / freeze / check against a real venv filled by real pip, compared line for line with
 * `pip freeze`, `pip check`, `pip list` and `pip show`; bubbles made by the real bubble writer from
 * a real store, their bytes checked against what `find` sees on disk.
 */

let fx: InspectFixture;
let store: Store;
let alpha09: WheelManifest;
let eps04: WheelManifest;

before(async () => {
  fx = await createInspectFixture("inspect");
  store = createStore(join(fx.root, "store"));
  const bubbleWheels = join(fx.root, "bubble-wheels");
  mkdirSync(bubbleWheels);
  alpha09 = await store.importWheel(
    buildWheel(
      {
        name: "alpha",
        version: "0.9",
        // BIG twice: two paths, one store file, so the bubble links one inode twice.
        files: { "alpha/__init__.py": "A = 0.9\n", "alpha/big.txt": BIG, "alpha/big_copy.txt": BIG },
        requiresDist: ["epsilon<1"],
      },
      bubbleWheels,
    ).path,
  );
  eps04 = await store.importWheel(
    buildWheel(
      { name: "epsilon", version: "0.4", files: { "epsilon/__init__.py": "E = 4\n" + BIG.repeat(2) } },
      bubbleWheels,
    ).path,
  );
});
after(() => rmSync(fx.root, { recursive: true, force: true }));

/** Sizes of the regular files under dir with exactly one link, as GNU find reports them. */
function unsharedBytesByFind(dir: string): number {
  const out = execFileSync("find", [dir, "-type", "f", "-links", "1", "-printf", "%s\\n"], {
    encoding: "utf8",
  });
  return out
    .split("\n")
    .filter(Boolean)
    .reduce((sum, s) => sum + Number(s), 0);
}

function linkedBytes(manifests: WheelManifest[]): number {
  // The installer writes RECORD itself; every other wheel file is linked from the store, once per content.
  const unique = new Map<string, number>();
  for (const m of manifests) {
    for (const f of m.files) if (!f.path.endsWith(".dist-info/RECORD")) unique.set(f.sha256, f.size);
  }
  return [...unique.values()].reduce((a, b) => a + b, 0);
}

describe("freeze matches pip freeze", () => {
  it("name==version, PEP 610 `@ url` lines, pip's sort and its skip rules", () => {
    assert.deepEqual(freeze(fx.target), sortedLinesKeepOrder(pipOk(fx, ["freeze"])));
    const all = freeze(fx.target, { all: true });
    assert.deepEqual(all, sortedLinesKeepOrder(pipOk(fx, ["freeze", "--all"])));
    assert.ok(
      all.some((l) => l.startsWith("pip==")),
      "--all lists pip",
    );
    assert.ok(freeze(fx.target).some((l) => /^omega @ file:\/\/.*\.whl#sha256=[0-9a-f]{64}$/.test(l)));
    assert.ok(freeze(fx.target).includes("Zeta_Pkg==1.0.0"));
    assert.ok(freeze(fx.target).includes("eta==2.0rc1"), "versions are normalised as pip prints them");
  });

  it("an editable install (PEP 660 dir_info) is a comment plus `-e <folder>`, as pip prints it", () => {
    const project = join(fx.root, "eta-project");
    mkdirSync(project, { recursive: true });
    const distInfo = join(fx.target.scheme.purelib, "eta-2.0RC1.dist-info");
    const directUrl = join(distInfo, "direct_url.json");
    writeFileSync(
      directUrl,
      JSON.stringify({ url: pathToFileURL(project).href, dir_info: { editable: true } }),
    );
    try {
      const lines = freeze(fx.target);
      assert.ok(lines.includes(`-e ${project}`), lines.join("\n"));
      assert.deepEqual(lines, sortedLinesKeepOrder(pipOk(fx, ["freeze"])));
      assert.deepEqual(
        freeze(fx.target, { excludeEditable: true }),
        sortedLinesKeepOrder(pipOk(fx, ["freeze", "--exclude-editable"])),
      );
      const eta = listPackages(fx.target).packages.find((p) => p.name === "eta")!;
      assert.equal(eta.editableProject, project);
    } finally {
      rmSync(directUrl);
    }
  });
});

/** pip freeze output is already in its order; keep it, only drop blank lines. */
function sortedLinesKeepOrder(text: string): string[] {
  return text.split("\n").filter((l) => l.trim() !== "");
}

describe("check matches pip check", () => {
  it("missing and conflicting requirements, markers and extras ignored as pip does", () => {
    const report = checkEnv(fx.target);
    const r = pip(fx, ["check"]);
    assert.equal(r.status, 1, "pip check fails on this env");
    assert.equal(report.ok, false);
    assert.deepEqual(sortedLines(report.problems.map((p) => p.message).join("\n")), sortedLines(r.stdout));
    assert.deepEqual(
      report.problems.map((p) => p.message),
      [
        "alpha 1.0 requires beta, which is not installed.",
        ...(fx.target.facts.version_info[1] >= 12
          ? ["alpha 1.0 requires kappa, which is not installed."]
          : []),
        "alpha 1.0 requires missing-dep, which is not installed.",
        "alpha 1.0 has requirement epsilon<1, but you have epsilon 1.5.",
      ],
    );
  });

  it("unparsable Requires-Dist is reported, as pip's 'Error parsing dependencies' warning, and fails", () => {
    const distInfo = join(fx.target.scheme.purelib, "broken-1.0.dist-info");
    mkdirSync(distInfo);
    writeFileSync(
      join(distInfo, "METADATA"),
      "Metadata-Version: 2.1\nName: broken\nVersion: 1.0\nRequires-Dist: foo >= bar baz\n\n",
    );
    try {
      const problems = checkEnv(fx.target).problems.filter((p) => p.kind === "invalid-metadata");
      assert.deepEqual(
        problems.map((p) => p.package),
        ["broken"],
      );
      const r = pip(fx, ["check"]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /Error parsing dependencies of broken/);
      assert.match(problems[0]!.message, /^Error parsing dependencies of broken: /);
    } finally {
      rmSync(distInfo, { recursive: true });
    }
  });

  it("a distribution whose WHEEL tags this interpreter rejects is unsupported, as in pip 24", () => {
    retagInstalled(fx, "omega-", "py2-none-win32");
    try {
      const messages = checkEnv(fx.target).problems.map((p) => p.message);
      assert.ok(messages.includes("omega 3.0 is not supported on this platform"), messages.join("\n"));
      const r = pip(fx, ["check"]);
      // pip before 24.1 does not know this check; compare only when it does.
      if (r.stdout.includes("not supported"))
        assert.deepEqual(sortedLines(messages.join("\n")), sortedLines(r.stdout));
    } finally {
      retagInstalled(fx, "omega-", "py3-none-any");
    }
  });
});

describe("list and info", () => {
  it("lists what pip lists, with installer and REQUESTED", () => {
    const listing = listPackages(fx.target);
    const pipList = JSON.parse(pipOk(fx, ["list", "--format=json"])) as { name: string; version: string }[];
    assert.deepEqual(
      listing.packages.map((p) => `${p.name}==${p.version}`).sort(),
      pipList.map((p) => `${p.name}==${p.version}`).sort(),
    );
    const alpha = listing.packages.find((p) => p.name === "alpha")!;
    assert.equal(alpha.installer, "pip");
    assert.equal(alpha.requested, true);
    assert.equal(alpha.location, fx.target.scheme.purelib);
    assert.deepEqual(listing.bubbles, []);
  });

  it("info gives pip show's Requires and Required-by, and the bytes of the installed files", () => {
    const field = (project: string, name: string) =>
      (new RegExp(`^${name}: ?(.*)$`, "m").exec(pipOk(fx, ["show", project]))?.[1] ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    const info = packageInfo(fx.target, "EPSILON");
    assert.ok(info.active);
    assert.equal(info.active.version, "1.5");
    assert.deepEqual(info.active.requiredBy, field("epsilon", "Required-by"));
    assert.deepEqual(info.active.requiredBy, ["alpha", "Zeta_Pkg"]);
    assert.deepEqual(packageInfo(fx.target, "zeta-pkg").active!.requires, ["alpha", "epsilon", "eta"]);
    assert.deepEqual(packageInfo(fx.target, "alpha").active!.requires, field("alpha", "Requires"));
    assert.ok(packageInfo(fx.target, "alpha").active!.requires.includes("Missing.Dep"));
    // pip copied these files (no store), so nothing is shared; RECORD lists the .py, METADATA, ...
    assert.equal(info.active.sharedBytes, 0);
    assert.ok(info.active.files >= 5 && info.active.sizeBytes > "E = 15\n".length);
    assert.throws(() => packageInfo(fx.target, "nothere"), PackageNotInstalled);
  });
});

describe("bubbles: real bytes, shared bytes, staleness", () => {
  it("a hard-linked bubble's shared bytes are the store's bytes, a copied bubble shares none", () => {
    const dir = createBubble(store, fx.target.scheme, {
      name: "alpha",
      version: "0.9",
      inBubble: [alpha09, eps04],
      fromMain: [{ name: "Zeta_Pkg", version: "1.0.0" }],
    });
    const listing = listPackages(fx.target);
    const bubble = listing.bubbles.find((b) => b.name === "alpha")!;
    assert.equal(bubble.path, dir);
    assert.equal(bubble.relativePath, "bubbles/alpha-0.9");
    assert.deepEqual(bubble.stale, []);
    assert.equal(bubble.sharedBytes, linkedBytes([alpha09, eps04]));
    assert.equal(bubble.sizeBytes, bubble.sharedBytes + unsharedBytesByFind(dir));
    // BIG is linked twice in the bubble but counted once.
    assert.ok(bubble.sizeBytes < bubble.sharedBytes + BIG.length + unsharedBytesByFind(dir));

    const copied = createBubble(
      store,
      fx.target.scheme,
      { name: "epsilon", version: "0.4", inBubble: [eps04], fromMain: [] },
      { linker: createLinker({ prefer: "copy" }) },
    );
    const copy = listPackages(fx.target).bubbles.find((b) => b.path === copied)!;
    assert.equal(copy.sharedBytes, 0);
    assert.equal(copy.sizeBytes, unsharedBytesByFind(copied));

    const info = packageInfo(fx.target, "epsilon");
    assert.equal(info.active!.version, "1.5");
    assert.deepEqual(
      info.bubbled.map((b) => [b.version, b.bubble.name, b.bubble.sizeBytes]),
      [
        ["0.4", "alpha", bubble.sizeBytes],
        ["0.4", "epsilon", copy.sizeBytes],
      ],
    );
    const only = packageInfo(fx.target, "alpha==0.9");
    assert.equal(only.active, null);
    assert.equal(only.bubbled.length, 1);
    assert.equal(only.bubbled[0]!.bubble.path, dir);
    assert.deepEqual(packageInfo(fx.target, "zeta_pkg").active!.neededByBubbles, ["alpha==0.9"]);
  });

  it("check reports a bubble whose main entries no longer match main", () => {
    const omega2 = createBubble(store, fx.target.scheme, {
      name: "omega",
      version: "2.0",
      inBubble: [],
      fromMain: [
        { name: "epsilon", version: "1.0" },
        { name: "beta", version: "2.0" },
        { name: "Zeta_Pkg", version: "1.0.0" },
      ],
    });
    try {
      const stale = checkEnv(fx.target).problems.filter((p) => p.kind === "stale-bubble");
      assert.deepEqual(
        stale.map((p) => p.message),
        [
          "bubble omega==2.0 (bubbles/omega-2.0) is stale: it takes epsilon 1.0 from main, but main has 1.5.",
          "bubble omega==2.0 (bubbles/omega-2.0) is stale: it takes beta 2.0 from main, but main does not have it.",
        ],
      );
      assert.equal(listPackages(fx.target).bubbles.find((b) => b.path === omega2)!.stale.length, 2);
    } finally {
      rmSync(omega2, { recursive: true, force: true });
    }
  });

  it("a repaired environment checks clean, like pip check", () => {
    const bubbleDirs = listPackages(fx.target).bubbles.map((b) => b.path);
    fx.wheel({ name: "beta", version: "2.0", files: { "beta/__init__.py": "" } });
    fx.wheel({ name: "Missing.Dep", version: "1", files: { "missing_dep.py": "" } });
    fx.wheel({ name: "kappa", version: "1", files: { "kappa.py": "" } });
    fx.wheel({ name: "epsilon", version: "0.5", files: { "epsilon/__init__.py": "" } });
    fx.wheel({
      name: "Zeta_Pkg",
      version: "1.1",
      files: { "zeta_pkg/__init__.py": "" },
      requiresDist: ["epsilon"],
    });
    pipOk(fx, [
      "install",
      "--no-index",
      "--no-deps",
      "--find-links",
      fx.wheelsDir,
      "beta",
      "missing-dep",
      "kappa",
      "epsilon==0.5",
      "Zeta_Pkg==1.1",
    ]);
    assert.equal(pip(fx, ["check"]).stdout.trim(), "No broken requirements found.");
    // Main moved on: the bubble that took Zeta_Pkg 1.0.0 from main is now stale, and only that.
    const report = checkEnv(fx.target);
    assert.deepEqual(
      report.problems.map((p) => p.kind),
      ["stale-bubble"],
    );
    for (const dir of bubbleDirs) rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(checkEnv(fx.target), { ok: true, problems: [] });
  });
});

describe("omnipkg's runtime package", () => {
  it("is shipped into the environment but is not a distribution: list and freeze leave it out, as pip does", () => {
    const before = freeze(fx.target);
    installRuntime(fx.env);
    assert.ok(existsSync(join(fx.target.scheme.purelib, "omnipkg", "__init__.py")));
    assert.deepEqual(freeze(fx.target), before);
    assert.deepEqual(freeze(fx.target), sortedLinesKeepOrder(pipOk(fx, ["freeze"])));
    assert.ok(!listPackages(fx.target).packages.some((p) => p.name.toLowerCase().startsWith("omnipkg")));
    assert.throws(() => packageInfo(fx.target, "omnipkg"), PackageNotInstalled);
  });
});

describe("measureTree counts inodes once and bytes, not files", () => {
  it("two links inside the folder are one unshared file; a link from outside makes it shared", () => {
    const dir = join(fx.root, "measure");
    const outside = join(fx.root, "measure-outside");
    mkdirSync(join(dir, "sub"), { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(dir, "a.bin"), Buffer.alloc(1000, 1));
    linkSync(join(dir, "a.bin"), join(dir, "sub", "a-again.bin"));
    writeFileSync(join(dir, "b.bin"), Buffer.alloc(70, 2));
    linkSync(join(dir, "b.bin"), join(outside, "b.bin"));
    assert.deepEqual(measureTree(dir), { files: 3, sizeBytes: 1070, sharedBytes: 70 });
    rmSync(join(outside, "b.bin"));
    assert.deepEqual(measureTree(dir), { files: 3, sizeBytes: 1070, sharedBytes: 0 });
  });
});
