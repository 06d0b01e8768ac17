import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { renderShellInit } from "../../src/python/shellInit.ts";
import { homeLayout } from "../../src/core/home.ts";
import { UsageError } from "../../src/core/errors.ts";

const layout = homeLayout("/tmp/omnipkg home's");

test("bash init puts the shims first exactly once, even when evaluated twice", () => {
  const init = renderShellInit("bash", layout, {});
  const script = `PATH=/usr/bin:/bin\n${init}\n${init}\nprintf %s "$PATH"`;
  const path = execFileSync("bash", ["-c", script], { encoding: "utf8" });
  assert.equal(path, `${layout.shimsDir}:/usr/bin:/bin`);
});

test("an init that was already on PATH moves to the front instead of repeating", () => {
  const init = renderShellInit("bash", layout, {});
  const script = `PATH="/usr/bin:${layout.shimsDir}:/bin"\n${init}\nprintf %s "$PATH"`;
  assert.equal(
    execFileSync("bash", ["-c", script], { encoding: "utf8" }),
    `${layout.shimsDir}:/usr/bin:/bin`,
  );
});

test("OMNIPKG_HOME is exported only when the user set it; fish gets fish syntax; unknown shells are refused", () => {
  assert.doesNotMatch(renderShellInit("zsh", layout, {}), /OMNIPKG_HOME/);
  assert.match(
    renderShellInit("zsh", layout, { OMNIPKG_HOME: layout.root }),
    /export OMNIPKG_HOME='\/tmp\/omnipkg home'\\''s'/,
  );
  assert.match(renderShellInit("fish", layout, {}), /set -gx PATH \$_omnipkg_shims/);
  assert.throws(() => renderShellInit("tcsh", layout, {}), UsageError);
});
