import assert from "node:assert/strict";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { homeLayout } from "../../src/core/home.ts";
import { KbUnavailable, openKnowledgeBase, type KnowledgeBase } from "../../src/kb/index.ts";
import { startRedisServer, type RedisServer } from "../helpers/redisServer.ts";
import { tempHome } from "./fixtures.ts";
import { dist } from "./suite.ts";

/**
 * A Redis that goes away: the command fails with KbUnavailable (naming the server, never the
 * password), nothing is half-written, nothing is replayed twice, and the next command works once
 * the server is back. The server runs with a password so the redaction is really tested.
 */
const PASSWORD = "hunter2-secret";

function assertClearError(error: unknown, server: RedisServer): true {
  assert.ok(error instanceof KbUnavailable, `expected KbUnavailable, got ${String(error)}`);
  assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${server.port}/0`));
  assert.doesNotMatch(error.message + (error.hint ?? ""), new RegExp(PASSWORD));
  assert.equal(error.exitCode, 1);
  assert.match(error.hint ?? "", /run the command again/);
  return true;
}

async function setUp(kb: KnowledgeBase): Promise<void> {
  await kb.putInterpreter({ id: "3.11.7", path: "/p", version: "3.11.7", facts: null });
  await kb.putEnvironment({
    id: "main",
    interpreterId: "3.11.7",
    path: "/e",
    kind: "main",
    parentId: null,
    name: null,
    version: null,
  });
}

/** Sends one raw command on a fresh connection (the test's own side channel to the server). */
function rawCommand(port: number, ...parts: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const encode = (args: string[]) =>
      `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("");
    let reply = "";
    socket.once("connect", () => socket.write(encode(["AUTH", PASSWORD]) + encode(parts)));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.split("\r\n").length > 2) socket.end();
    });
    socket.once("close", () => resolve(reply));
    socket.once("error", reject);
  });
}

/**
 * A TCP proxy in front of the server that, when armed, lets the next reply die with the client's
 * connection: the server ran the command, the client never hears back (the worst moment to lose
 * a connection, and the one where a client that replays commands records a change twice).
 */
async function startReplyEatingProxy(
  upstreamPort: number,
): Promise<{ port: number; arm(): void; close(): Promise<void> }> {
  let armed = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: upstreamPort });
    sockets.add(client).add(upstream);
    client.on("data", (chunk) => upstream.write(chunk));
    upstream.on("data", (chunk) => {
      if (armed) {
        armed = false;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    arm: () => void (armed = true),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe("a Redis knowledge base whose server goes away", () => {
  let server: RedisServer;
  let home: ReturnType<typeof tempHome>;
  let url: string;

  before(async () => {
    server = await startRedisServer({ args: ["--requirepass", PASSWORD] });
    home = tempHome();
    url = `redis://:${PASSWORD}@127.0.0.1:${server.port}/0`;
  });
  after(async () => {
    await server.stop();
    home.cleanup();
  });

  it(
    "fails to open with a clear error when the server is down, and opens once it is back",
    { timeout: 20_000 },
    async () => {
      await server.kill();
      await assert.rejects(openKnowledgeBase(home.layout, { url }), (e) => assertClearError(e, server));
      await server.start();
      const kb = await openKnowledgeBase(home.layout, { url });
      await kb.close();
    },
  );

  it(
    "fails a command in flight when the server is killed, and recovers when it returns",
    { timeout: 20_000 },
    async () => {
      const kb = await openKnowledgeBase(home.layout, { url });
      try {
        await setUp(kb);
        server.freeze(); // the script is sent but never answered: it is in flight when the server dies
        const inFlight = kb
          .applyChange({ envId: "main", put: [dist("rich", "13.4.2", 50)], revision: { command: "install" } })
          .then(
            (n) => assert.fail(`the change should fail, got revision ${n}`),
            (error: unknown) => error,
          );
        await new Promise((r) => setTimeout(r, 100));
        await server.kill();
        assertClearError(await inFlight, server);
        // Still down: the next command fails the same way instead of hanging.
        await assert.rejects(kb.listDistributions("main"), (e) => assertClearError(e, server));
        await server.start();
        // Same client, server back (empty: it keeps nothing on disk in tests).
        await setUp(kb);
        assert.equal(
          await kb.applyChange({
            envId: "main",
            put: [dist("rich", "14.0.0")],
            revision: { command: "again" },
          }),
          1,
        );
        assert.equal((await kb.getDistribution("main", "rich"))?.version, "14.0.0");
      } finally {
        await kb.close();
      }
      const second = await openKnowledgeBase(homeLayout(home.layout.root), { url });
      await second.close();
    },
  );

  it(
    "leaves no half-written change and replays none when connections are cut mid-command",
    { timeout: 60_000 },
    async () => {
      const kb = await openKnowledgeBase(home.layout, { url });
      try {
        await kb.removeEnvironment("main");
        await setUp(kb);
        let stop = false;
        const cutter = (async () => {
          while (!stop) {
            await rawCommand(server.port, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
            await new Promise((r) => setTimeout(r, 3 + Math.random() * 10));
          }
        })();
        let succeeded = 0;
        let failed = 0;
        for (let i = 0; i < 150; i++) {
          try {
            await kb.applyChange({
              envId: "main",
              put: [dist(`pkg${i}`, "1.0", 20)],
              revision: { command: `install pkg${i}`, added: [{ name: `pkg${i}`, version: "1.0" }] },
            });
            succeeded += 1;
          } catch (error) {
            assertClearError(error, server);
            failed += 1;
          }
        }
        stop = true;
        await cutter;
        assert.ok(failed > 0, "the cutter should have interrupted some commands");
        assert.ok(succeeded > 0, "some commands should have got through");
        const revisions = (await kb.listRevisions("main")).sort((a, b) => a.number - b.number);
        const dists = await kb.listDistributions("main");
        // Numbers are 1..N with no gap, each change was recorded at most once, and every recorded
        // change has its distribution (and every distribution its revision): all or nothing.
        assert.deepEqual(
          revisions.map((r) => r.number),
          revisions.map((_, i) => i + 1),
        );
        const added = revisions.map((r) => r.added[0]!.name);
        assert.equal(new Set(added).size, added.length, "no change replayed twice");
        assert.deepEqual([...added].sort(), dists.map((d) => d.name).sort());
        for (const d of dists) assert.equal(d.fileCount, 20);
        assert.ok(revisions.length >= succeeded, "every acknowledged change is there");
      } finally {
        await kb.close();
      }
    },
  );

  it(
    "reports a change whose reply was lost as failed, and never replays it",
    { timeout: 20_000 },
    async () => {
      const proxy = await startReplyEatingProxy(server.port);
      const viaProxy = `redis://:${PASSWORD}@127.0.0.1:${proxy.port}/0`;
      const kb = await openKnowledgeBase(home.layout, { url: viaProxy });
      try {
        await kb.removeEnvironment("main");
        await setUp(kb);
        assert.equal(
          await kb.applyChange({ envId: "main", revision: { command: "warm-up (loads the script)" } }),
          1,
        );
        proxy.arm();
        const lost = await kb
          .applyChange({
            envId: "main",
            put: [dist("rich", "13.4.2")],
            revision: { command: "install rich" },
          })
          .then(
            (n) => assert.fail(`the reply was eaten, yet the change reported revision ${n}`),
            (error: unknown) => error,
          );
        assert.ok(lost instanceof KbUnavailable, `expected KbUnavailable, got ${String(lost)}`);
        // The server did run it, exactly once, whole.
        const revisions = await kb.listRevisions("main");
        assert.deepEqual(
          revisions.map((r) => r.command),
          ["install rich", "warm-up (loads the script)"],
        );
        assert.equal((await kb.getDistribution("main", "rich"))?.version, "13.4.2");
      } finally {
        await kb.close();
        await proxy.close();
      }
    },
  );
});
