import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readConfig } from "../../src/core/config.ts";
import { homeLayout } from "../../src/core/home.ts";
import { reconcileActive } from "../../src/python/homeState.ts";

test("reconciling sweeps temp files of killed writers and keeps those of running ones", (t) => {
  const root = mkdtempSync(join(tmpdir(), "omnipkg-homestate-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const exited = spawnSync(process.execPath, ["-e", "0"]).pid!;
  const running = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
  t.after(() => running.kill());
  const names = {
    deadConfig: `.config.toml.${exited}.1a2b3c.tmp`,
    liveConfig: `.config.toml.${running.pid}.4d5e6f.tmp`,
    link: `.active.${exited}.0f0f.tmp`,
    other: `.something.${exited}.0f0f.tmp`,
  };
  for (const name of Object.values(names)) writeFileSync(join(root, name), "");
  const layout = homeLayout(root);
  reconcileActive(layout, readConfig(layout.configFile));
  assert.deepEqual(readdirSync(root).sort(), [names.liveConfig, names.other].sort());
});
