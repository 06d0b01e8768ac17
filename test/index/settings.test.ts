import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadIndexSettings, orderedIndexes } from "../../src/index/index.ts";
import { parseIni } from "../../src/index/pipConf.ts";
import { tempDir } from "./fixtures.ts";

function write(path: string, text: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** A fake machine: /etc, XDG dirs and HOME inside one temp dir. */
function fakeMachine(root: string) {
  const etc = join(root, "etc");
  const home = join(root, "home");
  mkdirSync(etc, { recursive: true });
  mkdirSync(home, { recursive: true });
  return { etc, home };
}

test("pip.conf files load in pip's order, later winning; [install] overrides [global]", () => {
  using dir = tempDir();
  const { etc, home } = fakeMachine(dir.path);
  const xdgA = join(dir.path, "xdg-a");
  const xdgB = join(dir.path, "xdg-b");
  write(join(xdgA, "pip/pip.conf"), "[global]\nindex-url = https://xdg-a.example/simple\ntimeout = 11\n");
  const xdgBFile = write(join(xdgB, "pip/pip.conf"), "[global]\nindex-url = https://xdg-b.example/simple\n");
  const etcFile = write(join(etc, "pip.conf"), "[global]\nretries = 7\n");
  write(join(home, ".pip/pip.conf"), "[global]\nfind-links = /legacy\n");
  const userFile = write(
    join(home, ".config/pip/pip.conf"),
    [
      "[global]",
      "extra-index-url =",
      "    https://one.example/simple",
      "    https://two.example/simple",
      "find-links = /a /b",
      "[install]",
      "Find_Links = /install-wins",
      "[freeze]",
      "index-url = https://ignored.example/simple",
    ].join("\n"),
  );
  const s = loadIndexSettings({
    env: { XDG_CONFIG_DIRS: `${xdgA}:${xdgB}` },
    homeDir: home,
    systemConfigDir: etc,
    cacheDir: join(dir.path, "cache"),
  });
  assert.deepEqual(s.indexUrl, { value: "https://xdg-b.example/simple", source: xdgBFile });
  assert.deepEqual(s.extraIndexUrls, {
    value: ["https://one.example/simple", "https://two.example/simple"],
    source: userFile,
  });
  assert.deepEqual(s.findLinks, { value: ["/install-wins"], source: userFile });
  assert.deepEqual(s.retries, { value: 7, source: etcFile });
  assert.equal(s.timeoutSec.value, 11);
  assert.deepEqual(orderedIndexes(s), [
    "https://one.example/simple",
    "https://two.example/simple",
    "https://xdg-b.example/simple",
  ]);
});

test("environment variables override files in the documented order, flags override everything", () => {
  using dir = tempDir();
  const { etc, home } = fakeMachine(dir.path);
  const envFile = write(
    join(dir.path, "custom.conf"),
    "[global]\nindex-url = https://envfile.example/simple\n",
  );
  write(join(home, ".config/pip/pip.conf"), "[global]\nindex-url = https://user.example/simple\n");
  const base = { homeDir: home, systemConfigDir: etc, cacheDir: join(dir.path, "c") };
  const load = (env: NodeJS.ProcessEnv, flags = {}) => loadIndexSettings({ ...base, env, flags });

  assert.equal(load({ PIP_CONFIG_FILE: envFile }).indexUrl.source, envFile);
  assert.deepEqual(load({ PIP_CONFIG_FILE: envFile, UV_INDEX_URL: "https://uv-old.example" }).indexUrl, {
    value: "https://uv-old.example",
    source: "UV_INDEX_URL",
  });
  const env = {
    PIP_CONFIG_FILE: envFile,
    UV_INDEX_URL: "https://uv-old.example",
    UV_DEFAULT_INDEX: "https://uv.example",
    UV_EXTRA_INDEX_URL: "https://uv-extra.example",
  };
  assert.equal(load(env).indexUrl.source, "UV_DEFAULT_INDEX");
  assert.deepEqual(load(env).extraIndexUrls, {
    value: ["https://uv-extra.example"],
    source: "UV_EXTRA_INDEX_URL",
  });
  const pipEnv = {
    ...env,
    PIP_INDEX_URL: "https://pip.example",
    PIP_EXTRA_INDEX_URL: "https://p1.example https://p2.example",
    PIP_FIND_LINKS: "/w1 /w2",
  };
  assert.equal(load(pipEnv).indexUrl.source, "PIP_INDEX_URL");
  assert.deepEqual(load(pipEnv).extraIndexUrls.value, ["https://p1.example", "https://p2.example"]);
  assert.deepEqual(load(pipEnv).findLinks, { value: ["/w1", "/w2"], source: "PIP_FIND_LINKS" });
  const ours = { ...pipEnv, OMNIPKG_INDEX_URL: "https://omnipkg.example" };
  assert.deepEqual(load(ours).indexUrl, { value: "https://omnipkg.example", source: "OMNIPKG_INDEX_URL" });
  const flagged = load(ours, {
    indexUrl: "https://flag.example",
    extraIndexUrls: ["https://f.example"],
    timeoutSec: 3,
  });
  assert.deepEqual(flagged.indexUrl, { value: "https://flag.example", source: "--index-url" });
  assert.deepEqual(flagged.extraIndexUrls, { value: ["https://f.example"], source: "--extra-index-url" });
  assert.deepEqual(flagged.timeoutSec, { value: 3, source: "--timeout" });
});

test("PIP_CONFIG_FILE=/dev/null turns off every file; PIP_NO_INDEX and --no-index leave only find-links", () => {
  using dir = tempDir();
  const { etc, home } = fakeMachine(dir.path);
  write(join(etc, "pip.conf"), "[global]\nindex-url = https://etc.example/simple\nno-index = yes\n");
  const base = { homeDir: home, systemConfigDir: etc, cacheDir: join(dir.path, "c") };
  const fromFile = loadIndexSettings({ ...base, env: {} });
  assert.equal(fromFile.noIndex.value, true);
  assert.deepEqual(orderedIndexes(fromFile), []);
  const none = loadIndexSettings({ ...base, env: { PIP_CONFIG_FILE: "/dev/null" } });
  assert.deepEqual(none.indexUrl, { value: "https://pypi.org/simple", source: "default" });
  assert.equal(none.noIndex.value, false);
  const envOff = loadIndexSettings({ ...base, env: { PIP_CONFIG_FILE: "/dev/null", PIP_NO_INDEX: "1" } });
  assert.deepEqual(envOff.noIndex, { value: true, source: "PIP_NO_INDEX" });
  const flagOff = loadIndexSettings({
    ...base,
    env: { PIP_CONFIG_FILE: "/dev/null" },
    flags: { noIndex: true },
  });
  assert.deepEqual(flagOff.noIndex, { value: true, source: "--no-index" });
});

test("a bad number in pip.conf is a usage error naming the file", () => {
  using dir = tempDir();
  const { etc, home } = fakeMachine(dir.path);
  const file = write(join(home, ".config/pip/pip.conf"), "[global]\nretries = many\n");
  assert.throws(
    () => loadIndexSettings({ homeDir: home, systemConfigDir: etc, env: {}, cacheDir: dir.path }),
    (e: unknown) => (e as Error).message.includes(file) && (e as Error).message.includes('"many"'),
  );
});

test("the cache lives under the omnipkg home, and NETRC points at another netrc", () => {
  using dir = tempDir();
  const { etc, home } = fakeMachine(dir.path);
  const s = loadIndexSettings({
    homeDir: home,
    systemConfigDir: etc,
    env: { OMNIPKG_HOME: join(dir.path, "omni"), NETRC: join(dir.path, "my-netrc") },
  });
  assert.equal(s.cacheDir.value, join(dir.path, "omni", "cache", "http"));
  assert.deepEqual(s.netrcFile, { value: join(dir.path, "my-netrc"), source: "NETRC" });
});

test("INI parsing: comments, ':' separators, continuation lines, key normalisation", () => {
  const ini = parseIni("# c\n[Global]\n--Index_URL: https://x\n; c2\nextra-index-url = a\n  b\n\n  c\n");
  assert.deepEqual(
    [...ini.get("global")!],
    [
      ["index-url", "https://x"],
      ["extra-index-url", "a\nb\nc"],
    ],
  );
});
