import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DaemonClient, DaemonRefused, daemonPaths, type DaemonStatus } from "../../src/multiverse/index.ts";
import { FrameDecoder, packFrame } from "../../src/multiverse/framing.ts";
import { makeHome, runCli, shipWorker, writeCliJson, writePythonFixtures, type TestHome } from "./fixture.ts";

let home: TestHome;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 30));
  }
}

async function status(): Promise<DaemonStatus & { running: boolean }> {
  const result = await runCli(["daemon", "status", "--json"], home.env);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as DaemonStatus & { running: boolean };
}

async function start(): Promise<number> {
  const result = await runCli(["daemon", "start", "--json"], home.env);
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { pid: number }).pid;
}

function runPython(
  python: string,
  code: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(python, ["-c", code], { env: home.env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

before(() => {
  home = makeHome(3);
  writePythonFixtures(join(home.root, "py"));
  home.env.PYTHONPATH = join(home.root, "py");
});

after(async () => {
  await runCli(["daemon", "stop"], home.env);
  home.cleanup();
});

describe("the daemon", () => {
  test("start makes a private folder, a 0600 socket and a 0600 token, and listens on no TCP port", async () => {
    const pid = await start();
    const paths = daemonPaths(home.root, home.env);
    assert.equal(statSync(paths.dir).mode & 0o777, 0o700);
    assert.ok(statSync(paths.socket).isSocket());
    assert.equal(statSync(paths.socket).mode & 0o777, 0o600);
    assert.equal(statSync(paths.tokenFile).mode & 0o777, 0o600);
    assert.match(readFileSync(paths.tokenFile, "utf8"), /^[0-9a-f]{64}$/);
    // Every socket the daemon holds is a Unix socket: none of its inodes is in the TCP tables.
    const inodes = readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        } catch {
          return undefined;
        }
      })
      .filter((x): x is string => Boolean(x));
    assert.ok(inodes.length > 0);
    const tcp = ["/proc/net/tcp", "/proc/net/tcp6"]
      .map((f) => (existsSync(f) ? readFileSync(f, "utf8") : ""))
      .join("\n");
    const tcpInodes = new Set(
      tcp
        .split("\n")
        .slice(1)
        .map((line) => line.trim().split(/\s+/)[9]),
    );
    for (const inode of inodes) assert.ok(!tcpInodes.has(inode), `daemon holds TCP socket inode ${inode}`);
    // A second start finds it running.
    assert.equal(await start(), pid);
  });

  test("a request with a wrong or missing token is refused and the connection closed", async () => {
    const paths = daemonPaths(home.root, home.env);
    for (const token of ["0".repeat(64), undefined]) {
      const replies = await new Promise<unknown[]>((resolve, reject) => {
        const socket = connect(paths.socket);
        const decoder = new FrameDecoder();
        const got: unknown[] = [];
        socket.on("data", (chunk: Buffer) => got.push(...decoder.push(chunk)));
        socket.on("close", () => resolve(got));
        socket.on("error", reject);
        socket.write(packFrame({ id: 7, token, op: "eval", python: home.pythons[0]!.minor, expr: "1" }));
      });
      assert.deepEqual(replies, [
        {
          id: 7,
          ok: false,
          fault: { code: "BAD_TOKEN", message: "The daemon refused a request with a wrong token." },
        },
      ]);
    }
  });

  test("1,000 concurrent calls across three interpreters get their own replies", async () => {
    const clients = await Promise.all([1, 2, 3, 4].map(() => DaemonClient.connect(home.root)));
    try {
      const calls = Array.from({ length: 1000 }, (_, i) => {
        const python = home.pythons[i % 3]!;
        const client = clients[i % clients.length]!;
        return client
          .value("call", { python: python.minor, target: "mvfix:tag", args: [i] })
          .then((value) => {
            assert.deepEqual(value, [i, python.minor]);
            return i;
          });
      });
      const done = await Promise.all(calls);
      assert.equal(new Set(done).size, 1000);
    } finally {
      for (const c of clients) c.close();
    }
    const s = await status();
    assert.equal(s.running, true);
    const served = s.workers.reduce((n, w) => n + w.callsServed, 0);
    assert.equal(served, 1000);
    for (const w of s.workers) {
      assert.ok(pidAlive(w.pid!));
      assert.ok((w.rssBytes ?? 0) > 1_000_000, "RSS read from /proc");
      assert.equal(w.state, "idle");
      assert.ok(w.idleMs >= 0);
    }
    const human = await runCli(["daemon", "status"], home.env);
    assert.match(human.stdout, /PYTHON\s+BUBBLES\s+PID\s+STATE\s+RSS\s+CALLS\s+IDLE/);
    assert.match(human.stdout, new RegExp(home.pythons[0]!.version.replace(/\./g, "\\.")));
  });

  test("the Python API runs a step on another interpreter and re-raises its exceptions", async () => {
    const caller = home.pythons[0]!; // oldest
    const callee = home.pythons[2]!; // newest
    const site = shipWorker(join(home.root, "envs", caller.version), caller.minor);
    writeCliJson(site, home.root);
    const code = [
      "import json, sys",
      "from omnipkg_worker import interpreter",
      "from omnipkg_worker.client import RemoteError, DaemonError",
      `py = interpreter(${JSON.stringify(callee.minor)})`,
      "out = {}",
      "out['version'] = py.call('mvfix:version')",
      "echo = py.call('mvfix:echo', b'\\x00\\xff', (1, 2), {3: 'x'}, key={'nested': [b'y', {'s'}]})",
      "out['echo_ok'] = echo == {'args': (b'\\x00\\xff', (1, 2), {3: 'x'}), 'kwargs': {'key': {'nested': [b'y', {'s'}]}}}",
      "py.exec('z = 6 * 7')",
      "out['eval'] = py.eval('z')",
      "try:",
      "    py.call('mvfix:boom', 'remote failure')",
      "except ValueError as e:",
      "    out['is_remote'] = isinstance(e, RemoteError)",
      "    out['type'] = e.remote_type",
      "    out['tb'] = e.remote_traceback",
      "fast = interpreter(" + JSON.stringify(callee.minor) + ", timeout=0.3)",
      "try:",
      "    fast.call('mvfix:hang')",
      "except DaemonError as e:",
      "    out['timeout'] = e.code",
      "print(json.dumps(out))",
    ].join("\n");
    const result = await runPython(join(home.root, "envs", caller.version, "bin", "python"), code);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(out.version, callee.minor);
    assert.equal(out.echo_ok, true);
    assert.equal(out.eval, 42);
    assert.equal(out.is_remote, true);
    assert.equal(out.type, "ValueError");
    assert.match(String(out.tb), /in boom\n\s+raise ValueError\(message\)/);
    assert.equal(out.timeout, "WORKER_TIMEOUT");
  });

  test("the Python API starts the daemon when it is not running, also after a restart between calls", async () => {
    assert.equal((await runCli(["daemon", "stop"], home.env)).code, 0);
    assert.equal((await status()).running, false);
    const caller = home.pythons[1]!;
    const site = shipWorker(join(home.root, "envs", caller.version), caller.minor);
    writeCliJson(site, home.root);
    const code = [
      "import json, os, subprocess, sys",
      "from omnipkg_worker import interpreter",
      "from omnipkg_worker.client import _cli_command",
      `py = interpreter(${JSON.stringify(home.pythons[0]!.minor)})`,
      "print(py.eval('1 + 1'))",
      "first = py.call('mvfix:pid')",
      "subprocess.run(_cli_command() + ['daemon', 'stop'], check=True, stdout=subprocess.DEVNULL)",
      "print(py.eval('2 + 2'), py.call('mvfix:pid') != first)",
    ].join("\n");
    const result = await runPython(join(home.root, "envs", caller.version, "bin", "python"), code);
    assert.equal(result.code, 0, result.stderr);
    // The handle outlived a daemon restart: the next call started a new daemon.
    assert.deepEqual(result.stdout.trim().split("\n"), ["2", "4 True"]);
    assert.equal((await status()).running, true);
  });

  test("stopping the daemon mid-call fails the call cleanly and ends its workers", async () => {
    await start();
    const client = await DaemonClient.connect(home.root);
    const hanging = client.value("call", {
      python: home.pythons[1]!.minor,
      target: "mvfix:hang",
      timeoutMs: 60_000,
    });
    hanging.catch(() => {}); // asserted below, after the stop
    let workerPid = 0;
    await waitFor(async () => {
      const busy = (await status()).workers.find((w) => w.state === "busy");
      workerPid = busy?.pid ?? 0;
      return Boolean(busy);
    });
    const stopped = await runCli(["daemon", "stop"], home.env);
    assert.equal(stopped.code, 0, stopped.stderr);
    await assert.rejects(hanging, (e: unknown) => {
      assert.ok(e instanceof DaemonRefused);
      assert.equal(e.code, "POOL_CLOSED");
      assert.match(e.message, /daemon was stopped/);
      return true;
    });
    client.close();
    assert.equal(pidAlive(workerPid), false);
    assert.equal(existsSync(daemonPaths(home.root, home.env).socket), false);
  });

  test("a daemon that dies mid-call fails the call, and its workers exit", async () => {
    const pid = await start();
    const client = await DaemonClient.connect(home.root);
    const hanging = client.value("call", {
      python: home.pythons[2]!.minor,
      target: "mvfix:hang",
      timeoutMs: 60_000,
    });
    hanging.catch(() => {}); // asserted below, after the stop
    let workerPid = 0;
    await waitFor(async () => {
      const busy = (await status()).workers.find((w) => w.state === "busy");
      workerPid = busy?.pid ?? 0;
      return Boolean(busy);
    });
    process.kill(pid, "SIGKILL");
    await assert.rejects(hanging, /closed the connection before answering/);
    // The orphaned worker's watchdog notices its parent is gone.
    await waitFor(() => !pidAlive(workerPid), 5000);
    // The stale socket does not stop a new daemon.
    await start();
  });

  test("workers are reaped after the configured idle timeout and started again on demand", async () => {
    assert.equal((await runCli(["daemon", "stop"], home.env)).code, 0);
    const started = await runCli(["daemon", "start", "--idle-timeout-ms", "300"], home.env);
    assert.equal(started.code, 0, started.stderr);
    const client = await DaemonClient.connect(home.root);
    try {
      assert.equal(await client.value("eval", { python: home.pythons[0]!.minor, expr: "5" }), 5);
      assert.equal((await status()).workers.length, 1);
      await waitFor(async () => (await status()).workers.length === 0, 10_000);
      assert.equal(await client.value("eval", { python: home.pythons[0]!.minor, expr: "6" }), 6);
      assert.equal((await status()).settings.idleTimeoutMs, 300);
    } finally {
      client.close();
    }
  });

  test("with XDG_RUNTIME_DIR the daemon lives in a private per-home folder there, and Python finds it", async () => {
    assert.equal((await runCli(["daemon", "stop"], home.env)).code, 0);
    const xdg = mkdtempSync(join(tmpdir(), "mvx-"));
    const env = { ...home.env, XDG_RUNTIME_DIR: xdg };
    try {
      assert.equal((await runCli(["daemon", "start"], env)).code, 0);
      const paths = daemonPaths(home.root, env);
      assert.match(paths.dir, new RegExp(`^${xdg}/omnipkg/[0-9a-f]{12}$`));
      assert.equal(statSync(join(xdg, "omnipkg")).mode & 0o777, 0o700);
      assert.equal(statSync(paths.dir).mode & 0o777, 0o700);
      assert.equal(statSync(paths.socket).mode & 0o777, 0o600);
      assert.equal(existsSync(join(home.root, "run", "daemon.sock")), false);
      const caller = home.pythons[2]!;
      shipWorker(join(home.root, "envs", caller.version), caller.minor);
      const code = `from omnipkg_worker import interpreter\nprint(interpreter(${JSON.stringify(home.pythons[0]!.minor)}, autostart=False).eval('2 ** 10'))`;
      const result = await new Promise<string>((resolve, reject) =>
        execFile(
          join(home.root, "envs", caller.version, "bin", "python"),
          ["-c", code],
          { env },
          (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)),
        ),
      );
      assert.equal(result.trim(), "1024");
    } finally {
      await runCli(["daemon", "stop"], env);
      rmSync(xdg, { recursive: true, force: true });
    }
  });
});
