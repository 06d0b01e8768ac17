import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { listProjectVersions } from "../../src/index/listVersions.ts";
import { createIndexClient } from "../../src/index/index.ts";
import { probeInterpreter } from "../../src/python/index.ts";
import { requirePythons } from "../helpers/pythons.ts";
import { startIndexServer, type ServedProject } from "../helpers/indexServer.ts";
import { settingsFor, tempDir } from "./fixtures.ts";

const run = promisify(execFile);
const MAIN = join(import.meta.dirname, "../../src/cli/main.ts");

/** Files whose fit depends on the interpreter: tags, Requires-Python, yanking. */
function mixedProject(cpTag: string): ServedProject {
  return {
    project: "mixed",
    files: [
      { filename: "mixed-1.0-py3-none-any.whl", bytes: "a" },
      { filename: `mixed-1.1-${cpTag}-${cpTag}-linux_x86_64.whl`, bytes: "b" },
      { filename: "mixed-1.2-cp27-cp27mu-manylinux1_x86_64.whl", bytes: "c" },
      { filename: "mixed-1.3-py3-none-any.whl", bytes: "d", requiresPython: ">=3.99" },
      { filename: "mixed-1.4-py3-none-any.whl", bytes: "e", yanked: "oops" },
      { filename: "mixed-1.5.tar.gz", bytes: "f" },
      { filename: "mixed-1.6-py3-none-any.whl", bytes: "g1", yanked: true },
      { filename: "mixed-1.6.tar.gz", bytes: "g2" },
      { filename: "not-a-valid-name.whl", bytes: "h" },
    ],
  };
}

test("versions are judged against a real interpreter's tags and Requires-Python", async () => {
  const [python] = requirePythons(1, 8);
  const facts = await probeInterpreter(python!.path);
  const cpTag = `cp${facts.version_info[0]}${facts.version_info[1]}`;
  const server = await startIndexServer({ projects: [mixedProject(cpTag)] });
  using dir = tempDir();
  try {
    const client = createIndexClient(settingsFor({ indexUrl: server.indexUrl }, dir.path));
    const listing = listProjectVersions(await client.getProject("mixed"), facts);
    await client.close();
    const byVersion = Object.fromEntries(listing.versions.map((v) => [v.version, v]));
    assert.deepEqual(
      listing.versions.map((v) => v.version),
      ["1.6", "1.5", "1.4", "1.3", "1.2", "1.1", "1.0"],
    );
    assert.equal(byVersion["1.0"]!.compatible, true);
    assert.equal(
      byVersion["1.1"]!.compatible,
      true,
      `${cpTag}-${cpTag}-linux_x86_64 fits ${python!.version}`,
    );
    assert.equal(byVersion["1.2"]!.compatible, false);
    assert.deepEqual(byVersion["1.2"]!.notes, ["no wheel for this interpreter"]);
    assert.equal(byVersion["1.3"]!.compatible, false);
    assert.deepEqual(byVersion["1.3"]!.notes, ["requires Python >=3.99"]);
    assert.equal(byVersion["1.4"]!.yanked, "oops");
    assert.equal(byVersion["1.4"]!.compatible, false);
    assert.deepEqual(byVersion["1.5"]!.notes, ["sdist only"]);
    assert.equal(byVersion["1.5"]!.compatible, true);
    assert.equal(byVersion["1.6"]!.yanked, false, "one live file means the version is not yanked");
    assert.deepEqual(byVersion["1.6"]!.notes, ["sdist only"], "the yanked wheel is not offered");
    assert.deepEqual(listing.skippedFiles, ["not-a-valid-name.whl"]);
    assert.equal(listing.python.version, facts.version);
  } finally {
    await server.close();
  }
});

function cliEnv(root: string): NodeJS.ProcessEnv {
  const home = join(root, "home");
  mkdirSync(home, { recursive: true });
  return {
    PATH: process.env.PATH,
    HOME: home,
    OMNIPKG_HOME: join(root, "omnipkg"),
    XDG_CONFIG_DIRS: join(root, "xdg"),
    XDG_CONFIG_HOME: join(home, ".config"),
    NO_COLOR: "1",
  };
}

test("omnipkg config show --json names the source of every effective value", async () => {
  using dir = tempDir();
  const env = cliEnv(dir.path);
  const userConf = join(env.HOME!, ".config/pip/pip.conf");
  mkdirSync(join(userConf, ".."), { recursive: true });
  writeFileSync(userConf, "[global]\nextra-index-url = https://a.example/simple\ntimeout = 30\n");
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", MAIN, "config", "show", "--json", "--index-url", "https://me:tok3n@b.example/simple"],
    { env: { ...env, PIP_FIND_LINKS: "/w1 /w2", UV_INDEX_URL: "https://uv.example/simple" } },
  );
  const shown = JSON.parse(stdout) as {
    settings: { key: string; value: unknown; source: string }[];
    indexOrder: string[];
  };
  const get = (key: string) => shown.settings.find((s) => s.key === key);
  assert.deepEqual(get("index-url"), {
    key: "index-url",
    value: "https://****@b.example/simple",
    source: "--index-url",
  });
  assert.deepEqual(get("extra-index-url")!.source, userConf);
  assert.deepEqual(get("timeout"), { key: "timeout", value: 30, source: userConf });
  assert.deepEqual(get("find-links"), { key: "find-links", value: ["/w1", "/w2"], source: "PIP_FIND_LINKS" });
  assert.deepEqual(get("home")!.source, "OMNIPKG_HOME");
  assert.deepEqual(shown.indexOrder, ["https://a.example/simple", "https://****@b.example/simple"]);
  assert.ok(!stdout.includes("tok3n"));
});

test("omnipkg index versions: table and JSON; failures exit 1 with redacted URLs", async () => {
  const [python] = requirePythons(1, 8);
  const facts = await probeInterpreter(python!.path);
  const cpTag = `cp${facts.version_info[0]}${facts.version_info[1]}`;
  const server = await startIndexServer({
    projects: [mixedProject(cpTag)],
    behaviours: { "/simple/broken/": { failTimes: 99 } },
  });
  using dir = tempDir();
  const env = cliEnv(dir.path);
  const base = ["--import", "tsx", MAIN, "index", "versions"];
  const indexUrl = server.indexUrl.replace("http://", "http://me:s3cr3t@");
  try {
    const json = await run(
      process.execPath,
      [...base, "mixed", "--python", python!.path, "--index-url", indexUrl, "--json"],
      {
        env,
      },
    );
    const listing = JSON.parse(json.stdout) as {
      versions: { version: string; yanked: unknown }[];
      index: string;
    };
    assert.equal(listing.versions.find((v) => v.version === "1.4")!.yanked, "oops");
    assert.equal(listing.index, server.indexUrl.replace("http://", "http://****@"));
    const table = await run(
      process.execPath,
      [...base, "mixed", "--python", python!.path, "--index-url", indexUrl],
      { env },
    );
    assert.match(table.stdout, /^1\.4\s+yanked: oops\s+1 wheel/m);
    assert.match(table.stdout, /^1\.3\s+requires Python >=3\.99/m);
    assert.match(table.stdout, /^1\.5\s+ok \(sdist only\)\s+1 sdist/m);
    assert.ok(!table.stdout.includes("s3cr3t"));

    const failed = await run(
      process.execPath,
      [...base, "broken", "--python", python!.path, "--index-url", indexUrl, "--retries", "0"],
      { env },
    ).then(
      () => assert.fail("expected a failure"),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(failed.code, 1);
    assert.match(
      failed.stderr,
      /error: Could not fetch http:\/\/\*\*\*\*@127\.0\.0\.1:\d+\/simple\/broken\/: the server answered HTTP 503/,
    );
    assert.ok(!failed.stderr.includes("s3cr3t") && !failed.stderr.includes("    at "), failed.stderr);
  } finally {
    await server.close();
  }
});
