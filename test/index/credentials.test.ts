import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createIndexClient, IndexUnreachable, redactUrl } from "../../src/index/index.ts";
import { parseNetrc } from "../../src/index/netrc.ts";
import { startIndexServer } from "../helpers/indexServer.ts";
import { demoProject, settingsFor, tempDir } from "./fixtures.ts";

const auth = { username: "alice", password: "p@ss word/42" };

function basic(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
}

test("credentials in the index URL become a Basic header, also for files on that host", async () => {
  const server = await startIndexServer({ projects: [demoProject()], auth });
  using dir = tempDir();
  try {
    const indexUrl = server.indexUrl.replace(
      "http://",
      `http://${auth.username}:${encodeURIComponent(auth.password)}@`,
    );
    const client = createIndexClient(settingsFor({ indexUrl }, dir.path));
    const page = await client.getProject("demo-pkg");
    assert.equal(page.index, server.indexUrl.replace("http://", "http://****@"));
    assert.ok(!JSON.stringify(page).includes("alice"), "no credentials in returned data");
    await client.download(page.files[0]!, join(dir.path, "out"));
    assert.ok(server.requests.every((r) => r.headers.authorization === basic(auth.username, auth.password)));
    assert.ok(server.requests.every((r) => r.status === 200));
    await client.close();
  } finally {
    await server.close();
  }
});

test("~/.netrc supplies credentials by host (or its default entry); a wrong one fails without printing it", async () => {
  const netrcAuth = { username: "carol", password: "pw-42" };
  const server = await startIndexServer({ projects: [demoProject()], auth: netrcAuth });
  using dir = tempDir();
  try {
    const netrc = join(dir.path, "netrc");
    const settings = settingsFor({ indexUrl: server.indexUrl, retries: 0 }, join(dir.path, "cache"));
    settings.netrcFile.value = netrc;
    writeFileSync(netrc, "machine 127.0.0.1\n  login carol\n  password wrong-pw\n");
    const wrong = createIndexClient(settings);
    await assert.rejects(wrong.getProject("demo-pkg"), (e: unknown) => {
      assert.ok(e instanceof IndexUnreachable);
      assert.match(e.message, /HTTP 401/);
      assert.ok(!e.message.includes("wrong-pw") && !e.message.includes("carol"));
      return true;
    });
    await wrong.close();
    for (const text of [
      "machine other.example login x password y\nmachine 127.0.0.1 login carol password pw-42\n",
      "machine other.example login x password y\ndefault login carol password pw-42\n",
    ]) {
      writeFileSync(netrc, text);
      const client = createIndexClient(settings);
      assert.equal((await client.getProject("demo-pkg")).files.length, 3);
      assert.equal(server.requests.at(-1)!.headers.authorization, basic("carol", "pw-42"));
      await client.close();
    }
  } finally {
    await server.close();
  }
});

test("netrc parsing: machine entries, default, macdef bodies and comments", () => {
  const netrc = parseNetrc(
    [
      "# a comment",
      "machine a.example login alice password one",
      "macdef init",
      "machine evil.example login nobody password leaked",
      "",
      "machine B.example",
      "  login bob",
      "  account ignored",
      "  password two",
      "default login anon password three",
    ].join("\n"),
  );
  assert.deepEqual(netrc.get("a.example"), { login: "alice", password: "one" });
  assert.deepEqual(netrc.get("b.example"), { login: "bob", password: "two" });
  assert.equal(netrc.get("evil.example"), undefined, "macdef bodies are not entries");
  assert.equal([...netrc.values()].at(-1)!.login, "anon");
});

test("connection errors never print credentials", async () => {
  using dir = tempDir();
  const server = await startIndexServer({ projects: [] });
  const deadOrigin = server.origin;
  await server.close();
  const indexUrl = `${deadOrigin.replace("http://", "http://bob:hunter2@")}/simple`;
  const client = createIndexClient(settingsFor({ indexUrl, retries: 0 }, dir.path));
  await assert.rejects(client.getProject("demo"), (e: unknown) => {
    assert.ok(e instanceof IndexUnreachable);
    assert.ok(!e.message.includes("hunter2") && !e.message.includes("bob"), e.message);
    assert.match(e.message, /\*\*\*\*@127\.0\.0\.1/);
    return true;
  });
  assert.ok(!client.indexes.join(" ").includes("hunter2"));
  await client.close();
});

test("redactUrl hides the whole user-info part in URLs and in free text", () => {
  assert.equal(redactUrl("https://u:t@h.example/simple"), "https://****@h.example/simple");
  assert.equal(redactUrl("https://token@h.example/"), "https://****@h.example/");
  assert.equal(
    redactUrl("failed a https://a:b@x.example/y and http://c@z.example"),
    "failed a https://****@x.example/y and http://****@z.example",
  );
  assert.equal(redactUrl("https://h.example/a@b"), "https://h.example/a@b");
});
