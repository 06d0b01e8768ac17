import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { interpreter, WorkerPool, RemoteError } from "../../src/multiverse/index.ts";
import { makeHome, writePythonFixtures, type TestHome } from "./fixture.ts";

let home: TestHome;
let pool: WorkerPool;

before(() => {
  home = makeHome(3);
  writePythonFixtures(join(home.root, "py"));
  pool = new WorkerPool({
    env: { ...process.env, PYTHONPATH: join(home.root, "py") },
    callTimeoutMs: 20_000,
    workersPerKey: 2,
  });
});

after(async () => {
  await pool.close();
  home.cleanup();
});

describe("warm workers from Node", () => {
  test("exec, eval and call round-trip on every interpreter", async () => {
    for (const p of home.pythons) {
      const py = interpreter(p.minor, { home: home.root, pool });
      assert.equal(py.version, p.version);
      await py.exec("x = 20\ny = x + 1");
      assert.equal(await py.eval("x * 2 + y - 21"), 40);
      assert.equal(await py.call("mvfix:version"), p.minor);
      assert.deepEqual(await py.callWith("mvfix:echo", [1, "a"], { k: null }), {
        args: [1, "a"],
        kwargs: { k: null },
      });
    }
  });

  test("bytes, nested containers, big ints, non-finite floats and odd keys survive the trip", async () => {
    const py = interpreter(home.pythons[0]!.minor, { home: home.root, pool });
    const value = {
      raw: Buffer.from([0, 1, 2, 255]),
      nested: [{ deep: [Buffer.from("hé"), [1, 2, [3]]] }, "s", true, null, 1.5],
      big: 2n ** 70n,
      negBig: -(2n ** 60n),
      floats: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
      set: new Set([1, 2]),
      map: new Map<unknown, unknown>([
        [1, "one"],
        [2, Buffer.from("two")],
      ]),
      $t: "a user key that looks like a tag",
    };
    const back = (await py.call("mvfix:ident", value)) as Record<string, unknown>;
    assert.deepEqual(back, value);
    // Python-only shapes arrive in their nearest JavaScript form.
    assert.deepEqual(await py.eval("(1, (2, b'x'), frozenset([3]), {(1, 2): 'pair'})"), [
      1,
      [2, Buffer.from("x")],
      new Set([3]),
      new Map([[[1, 2], "pair"]]),
    ]);
    assert.equal(await py.eval("b'\\x00' * 3 == bytes(3)"), true);
  });

  test("a remote exception carries its type name and traceback text", async () => {
    const py = interpreter(home.pythons[1]!.minor, { home: home.root, pool });
    const error = await py.call("mvfix:boom", "bad value 42").then(
      () => assert.fail("boom returned"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof RemoteError);
    assert.equal(error.remoteType, "ValueError");
    assert.match(error.message, /ValueError: bad value 42/);
    assert.match(error.remoteTraceback, /mvfix\.py", line \d+, in boom/);
    await assert.rejects(py.eval("undefined_name"), (e: RemoteError) => e.remoteType === "NameError");
    await assert.rejects(py.call("mvfix:unsendable"), (e: RemoteError) =>
      /cannot send a value of type builtins\.object/.test(e.message),
    );
    await assert.rejects(
      py.call("no_such_module_xyz:f"),
      (e: RemoteError) => e.remoteType === "ModuleNotFoundError",
    );
    // The worker survived all of that.
    assert.equal(await py.eval("1 + 1"), 2);
  });

  test("a hung worker is killed by the per-call timeout and the call fails clearly", async () => {
    const py = interpreter(home.pythons[0]!.minor, { home: home.root, pool, timeoutMs: 400 });
    const firstPid = await py.call("mvfix:pid");
    const started = Date.now();
    await assert.rejects(py.call("mvfix:hang"), (e: Error & { code?: string }) => {
      assert.equal(e.code, "WORKER_TIMEOUT");
      assert.match(e.message, /did not finish within 400 ms, so the worker was killed/);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
    // A fresh worker serves the next call.
    const pid = (await py.call("mvfix:pid")) as number;
    assert.equal(typeof pid, "number");
    assert.ok(pool.status().every((w) => w.state !== "busy"));
    void firstPid;
  });

  test("a crashed worker fails only its call and is replaced", async () => {
    const py = interpreter(home.pythons[2]!.minor, { home: home.root, pool });
    const before = await py.call("mvfix:pid");
    await assert.rejects(py.call("mvfix:crash", 9), (e: Error & { code?: string }) => {
      assert.equal(e.code, "WORKER_CRASHED");
      assert.match(e.message, /exited with code 9/);
      return true;
    });
    const afterPid = await py.call("mvfix:pid");
    assert.notEqual(afterPid, before);
  });

  test("handles spread over at most workersPerKey processes; each handle keeps one worker and its own namespace", async () => {
    const minor = home.pythons[1]!.minor;
    const handles = [0, 1, 2, 3].map(() => interpreter(minor, { home: home.root, pool }));
    await Promise.all(handles.map((h, i) => h.exec(`marker = ${i}\nimport os\nmy_pid = os.getpid()`)));
    const rounds = await Promise.all(
      handles.flatMap((h, i) =>
        [0, 1, 2].map(() => h.call("mvfix:slow_pid", 0.05).then((pid) => ({ i, pid }))),
      ),
    );
    const pids = new Set(rounds.map((r) => r.pid));
    assert.equal(pids.size, 2, "four busy handles use exactly workersPerKey workers");
    for (const [i, h] of handles.entries()) {
      const pid = await h.eval("my_pid");
      assert.equal(await h.eval("marker"), i, "a handle sees only its own variables");
      assert.ok(
        rounds.filter((r) => r.i === i).every((r) => r.pid === pid),
        "a handle's calls stay on its worker",
      );
    }
    assert.equal(pool.status().filter((w) => w.version === home.pythons[1]!.version).length, 2);
  });

  test("bubble specs are entered through omnipkg.loader at worker start", async () => {
    const py = interpreter(home.pythons[0]!.minor, {
      home: home.root,
      pool,
      with: ["rich==13.4.2", "six<2"],
    });
    assert.equal(await py.eval("__import__('os').environ.get('OMNIPKG_TEST_BUBBLES')"), "rich==13.4.2,six<2");
    const bad = interpreter(home.pythons[0]!.minor, { home: home.root, pool, with: ["missing==1"] });
    await assert.rejects(bad.eval("1"), (e: Error & { code?: string }) => {
      assert.equal(e.code, "WORKER_START");
      assert.match(e.message, /LookupError: no bubble for missing==1/);
      return true;
    });
  });

  test("an unknown version fails before any process starts", () => {
    assert.throws(
      () => interpreter("2.1", { home: home.root, pool }),
      /No adopted interpreter matches "2\.1"/,
    );
  });
});

test("idle workers are reaped after the idle timeout", async () => {
  const small = new WorkerPool({
    idleTimeoutMs: 150,
    env: { ...process.env, PYTHONPATH: join(home.root, "py") },
  });
  try {
    const py = interpreter(home.pythons[0]!.minor, { home: home.root, pool: small });
    assert.equal(await py.eval("3"), 3);
    assert.equal(small.status().length, 1);
    const deadline = Date.now() + 5000;
    while (small.status().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(small.status().length, 0);
    assert.equal(await py.eval("4"), 4);
  } finally {
    await small.close();
  }
});

test("a Node program using interpreter() exits by itself while its workers sit idle", async () => {
  const { spawnSync } = await import("node:child_process");
  const script = [
    `const { interpreter } = await import(${JSON.stringify(new URL("../../src/multiverse/index.ts", import.meta.url).href)});`,
    `const py = interpreter(${JSON.stringify(home.pythons[0]!.minor)}, { home: ${JSON.stringify(home.root)} });`,
    "console.log(await py.eval('6 * 7'));",
  ].join("\n");
  const started = Date.now();
  const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), "42");
  assert.ok(Date.now() - started < 15_000);
});
