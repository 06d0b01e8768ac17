import { test } from "node:test";
import assert from "node:assert/strict";
import { emptyConfig } from "../../src/core/config.ts";
import { readDaemonSettings } from "../../src/multiverse/index.ts";
import { parseRunArgv, pythonArgs } from "../../src/multiverse/index.ts";

test("[daemon] settings are read from config.toml, with defaults, and bad values are refused", () => {
  const config = emptyConfig();
  assert.deepEqual(readDaemonSettings(config), {
    idleTimeoutMs: 600_000,
    callTimeoutMs: 300_000,
    workersPerKey: 2,
  });
  config.settings.daemon = { idle_timeout_ms: 1500, call_timeout_ms: 0, workers_per_key: 4 };
  assert.deepEqual(readDaemonSettings(config), { idleTimeoutMs: 1500, callTimeoutMs: 0, workersPerKey: 4 });
  config.settings.daemon = { workers_per_key: 0 };
  assert.throws(() => readDaemonSettings(config), /\[daemon\] workers_per_key must be a number ≥ 1, not 0/);
  config.settings.daemon = { call_timeout_ms: "soon" };
  assert.throws(() => readDaemonSettings(config), /call_timeout_ms must be a number ≥ 0, not soon/);
});

test("run targets parse the way python reads its own command line", () => {
  assert.deepEqual(parseRunArgv(["s.py", "-m", "x"]), {
    target: { kind: "script", path: "s.py" },
    args: ["-m", "x"],
  });
  assert.deepEqual(parseRunArgv(["-m", "pkg.mod", "-c", "1"]), {
    target: { kind: "module", name: "pkg.mod" },
    args: ["-c", "1"],
  });
  assert.deepEqual(parseRunArgv(["-mpkg", "a"]), { target: { kind: "module", name: "pkg" }, args: ["a"] });
  assert.deepEqual(parseRunArgv(["-c", "print(1)", "a"]), {
    target: { kind: "code", code: "print(1)" },
    args: ["a"],
  });
  assert.throws(() => parseRunArgv([]), /Say what to run/);
  assert.throws(() => parseRunArgv(["-m"]), /-m needs a value/);
  assert.throws(() => parseRunArgv(["-X", "dev", "s.py"]), /Unknown option -X before the target/);
  // No bubbles: exactly what python would get, with nothing in between.
  assert.deepEqual(
    pythonArgs({ target: { kind: "module", name: "http.server" }, args: ["8000"], specs: [] }),
    ["-m", "http.server", "8000"],
  );
  const boot = pythonArgs({ target: { kind: "script", path: "s.py" }, args: ["a"], specs: ["rich==13.4.2"] });
  assert.deepEqual(boot.slice(2), ['["rich==13.4.2"]', "script", "s.py", "a"]);
});
