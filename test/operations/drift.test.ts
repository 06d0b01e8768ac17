import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assertBuilt, removeDir } from "../python/cliHarness.ts";
import { requirePythons } from "../helpers/pythons.ts";
import { makeWorld, isolatedEnv, type World } from "./installFixtures.ts";
import { cli, ok } from "./historyHelpers.ts";

/**
 * Drift: a real `pip install` and hand edits inside an environment omnipkg manages, seen by
 * `omnipkg status`, explained by `omnipkg doctor` with the fixing command, and repaired by
 * `omnipkg rebuild-kb` (accept what is on disk) or `install --reinstall` (restore the files).
 */
interface EnvJson {
  path: string;
  packages: number;
  bubbles: number;
  logicalBytes: number;
  diskBytes: number;
  dedupSavedBytes: number;
  drift: {
    known: boolean;
    added: { name: string; version: string }[];
    removed: { name: string }[];
    changed: { name: string; version: string; recordedVersion: string }[];
    files: { dist: string; path: string; problem: string }[];
    notInstalledByOmnipkg: { name: string; installer: string }[];
    hashedFiles: number;
    clean: boolean;
  };
}

describe("drift: status, doctor and rebuild-kb", () => {
  let w: World;
  let site: string;
  const status = async (): Promise<EnvJson> => {
    const r = await ok(w, ["status", "--json"]);
    const envs = (JSON.parse(r.stdout) as { environments: EnvJson[] }).environments;
    assert.equal(envs.length, 1, r.stdout);
    return envs[0]!;
  };

  before(async () => {
    assertBuilt();
    w = await makeWorld(
      [
        { name: "alpha", version: "1.0" },
        { name: "alpha", version: "2.0" },
        { name: "beta", version: "1.0" },
        { name: "gamma", version: "1.0" },
      ],
      "drift",
    );
    const lib = join(w.venv, "lib");
    site = join(lib, readdirSync(lib)[0]!, "site-packages");
    await ok(w, ["install", "alpha==1.0", "gamma"]);
    await ok(w, ["install", "alpha==2.0"]);
  });
  after(async () => {
    await w?.close();
    if (w) removeDir(w.dir);
  });

  test("a fresh environment: packages, bubbles, bytes (dedup measured in bytes), no drift", async () => {
    const s = await status();
    assert.equal(s.packages, 2);
    assert.equal(s.bubbles, 1);
    assert.ok(s.drift.known && s.drift.clean, JSON.stringify(s.drift));
    assert.ok(s.drift.hashedFiles >= 4, "files of omnipkg's dists are hashed against RECORD");
    assert.ok(s.logicalBytes > 0 && s.diskBytes > 0 && s.diskBytes <= s.logicalBytes);
    // Package files are hard links into the store; their bytes count as saved.
    const init = execFileSync("stat", ["-c", "%h %s", join(site, "alpha", "__init__.py")], {
      encoding: "utf8",
    });
    const [links, size] = init.trim().split(" ").map(Number) as [number, number];
    assert.ok(links > 1, "installed from the store by hard link");
    assert.ok(s.dedupSavedBytes >= size);
    const text = await ok(w, ["status"]);
    assert.match(text.stdout, /packages: +2 \(1 bubble\)/);
    assert.match(text.stdout, /saved by dedup/);
    assert.match(text.stdout, /drift: +none/);
  });

  test("pip install, an edited file and a deleted file are reported as drift", async () => {
    const [base] = requirePythons(1, 8);
    execFileSync(
      base!.path,
      [
        "-m",
        "pip",
        "install",
        "-q",
        "--no-index",
        "--find-links",
        join(w.dir, "wheels"),
        "--target",
        site,
        "--no-deps",
        "beta",
      ],
      {
        env: { ...process.env, ...isolatedEnv(), PIP_DISABLE_PIP_VERSION_CHECK: "1" } as NodeJS.ProcessEnv,
        stdio: "ignore",
      },
    );
    // Replace rather than write in place: the file is a hard link into the store.
    const edited = join(site, "alpha", "__init__.py");
    rmSync(edited);
    writeFileSync(edited, "VERSION = 'hacked'\n");
    rmSync(join(site, "gamma", "__init__.py"));
    const s = await status();
    assert.equal(s.drift.clean, false);
    assert.deepEqual(
      s.drift.added.map((d) => `${d.name}==${d.version}`),
      ["beta==1.0"],
    );
    assert.deepEqual(
      s.drift.notInstalledByOmnipkg.map((d) => `${d.name}:${d.installer}`),
      ["beta:pip"],
    );
    assert.deepEqual(s.drift.files.map((f) => `${f.dist} ${f.path} ${f.problem}`).sort(), [
      `alpha ${join("lib", readdirSync(join(w.venv, "lib"))[0]!, "site-packages", "alpha", "__init__.py")} modified`,
      `gamma ${join("lib", readdirSync(join(w.venv, "lib"))[0]!, "site-packages", "gamma", "__init__.py")} missing`,
    ]);
    const text = await ok(w, ["status"]);
    assert.match(text.stdout, /beta 1\.0 was installed outside omnipkg/);
    assert.match(text.stdout, /alpha\/__init__\.py \(alpha\) is modified/);
    assert.match(text.stdout, /not installed by omnipkg: beta 1\.0 \(pip\)/);
  });

  test("doctor reports the drift with the command that fixes it", async () => {
    const r = await cli(w, ["doctor", "--json"]);
    const findings = (
      JSON.parse(r.stdout) as { findings: { check: string; ok: boolean; message: string; fix?: string }[] }
    ).findings;
    const drift = findings.find((f) => f.check.startsWith("drift"));
    assert.ok(drift && !drift.ok, JSON.stringify(findings));
    assert.match(drift.message, /beta 1\.0 was installed outside omnipkg/);
    assert.match(drift.fix ?? "", /omnipkg rebuild-kb|omnipkg install --reinstall/);
    const kb = findings.find((f) => f.check === "knowledge base");
    assert.ok(kb?.ok, JSON.stringify(kb));
    assert.ok(findings.find((f) => f.check === "store")?.ok);
  });

  test("an outside removal is drift too", async () => {
    execFileSync(w.python, [
      "-c",
      "import shutil, glob; [shutil.rmtree(p) for p in glob.glob('" + site + "/gamma*')]",
    ]);
    const s = await status();
    assert.deepEqual(
      s.drift.removed.map((d) => d.name),
      ["gamma"],
    );
  });

  test("rebuild-kb accepts what is on disk and keeps history; --reinstall restores an edited file", async () => {
    const before = JSON.parse((await ok(w, ["history", "--json"])).stdout) as { revisions: unknown[] };
    const snap = execFileSync("find", [w.venv, "-printf", "%P %s\n"], { encoding: "utf8" });
    await ok(w, ["rebuild-kb"]);
    assert.equal(
      execFileSync("find", [w.venv, "-printf", "%P %s\n"], { encoding: "utf8" }),
      snap,
      "rebuild only reads",
    );
    const after = JSON.parse((await ok(w, ["history", "--json"])).stdout) as { revisions: unknown[] };
    assert.deepEqual(after, before);
    let s = await status();
    assert.deepEqual(s.drift.added, []);
    assert.deepEqual(s.drift.removed, []);
    assert.deepEqual(
      s.drift.files.map((f) => f.dist),
      ["alpha"],
    );
    await ok(w, ["install", "--reinstall", "alpha==1.0"]);
    s = await status();
    assert.ok(s.drift.clean, JSON.stringify(s.drift));
  });
});
