import assert from "node:assert/strict";
import { test } from "node:test";
import { createIndexClient } from "../../src/index/index.ts";
import { startIndexServer, type ServedProject } from "../helpers/indexServer.ts";
import { settingsFor, tempDir } from "./fixtures.ts";

const projects: ServedProject[] = Array.from({ length: 12 }, (_, i) => ({
  project: `p${i}`,
  files: [
    { filename: `p${i}-1.0-py3-none-any.whl`, bytes: `p${i}`, metadata: `Name: p${i}\nVersion: 1.0\n\n` },
  ],
}));

test("keep-alive: sequential requests reuse their connections", async () => {
  const server = await startIndexServer({ projects });
  using dir = tempDir();
  try {
    const client = createIndexClient(settingsFor({ indexUrl: server.indexUrl }, dir.path));
    for (const p of projects) {
      const page = await client.getProject(p.project);
      await client.fetchCoreMetadata(page.files[0]!);
    }
    assert.equal(server.requests.length, 24);
    // A socket returns to the pool a tick after its body ends, so a request sent at once may open a
    // second one; without keep-alive there would be 24.
    assert.ok(server.connectionCount <= 2, `${server.connectionCount} connections for 24 requests`);
    await client.close();
  } finally {
    await server.close();
  }
});

test("the concurrency cap bounds requests in flight, and requests do run in parallel under it", async () => {
  const server = await startIndexServer({ projects, latencyMs: 40 });
  using dir = tempDir();
  try {
    const client = createIndexClient(settingsFor({ indexUrl: server.indexUrl, concurrency: 3 }, dir.path));
    await Promise.all(projects.map((p) => client.getProject(p.project)));
    assert.equal(server.maxInFlight, 3);
    await client.close();
  } finally {
    await server.close();
  }
});

test("credentials are not forwarded when a redirect leaves the index's origin", async () => {
  const other = await startIndexServer({ projects });
  const index = await startIndexServer({
    projects: [],
    auth: { username: "u", password: "secret" },
    behaviours: { "/simple/p1/": { redirectTo: `${other.indexUrl}/p1/` } },
  });
  using dir = tempDir();
  try {
    const indexUrl = index.indexUrl.replace("http://", "http://u:secret@");
    const client = createIndexClient(settingsFor({ indexUrl }, dir.path));
    const page = await client.getProject("p1");
    assert.equal(page.files[0]!.url, other.fileUrl("p1-1.0-py3-none-any.whl"));
    assert.equal(
      index.requests[0]!.headers.authorization,
      `Basic ${Buffer.from("u:secret").toString("base64")}`,
    );
    assert.equal(other.requests[0]!.headers.authorization, undefined);
    await client.close();
  } finally {
    await index.close();
    await other.close();
  }
});
