// The public `omnipkg/standards` subpath resolves to the built bundle and works from plain Node,
// the way a consumer imports it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const BUNDLE = join(ROOT, "dist/standards/index.js");

function newestSourceMs(): number {
  const dir = join(ROOT, "src/standards");
  return Math.max(...readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs));
}

test("import('omnipkg/standards') resolves to dist/standards/index.js after the build", () => {
  // Rebuild only when stale: `npm test` builds first, and other tests may be reading dist/.
  if (!existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < newestSourceMs()) {
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: "pipe", timeout: 120_000 });
  }
  assert.ok(existsSync(BUNDLE), "the build wrote dist/standards/index.js");
  const script = `
    const s = await import("omnipkg/standards");
    const url = import.meta.resolve("omnipkg/standards");
    const out = {
      url,
      normal: s.normalizeVersion("1.0.0-RC1"),
      contains: new s.SpecifierSet(">=1.0,<2").contains("1.5"),
      req: String(s.parseRequirement("Foo[bar]>=1 ; python_version>'3'")),
      name: s.canonicalizeName("Foo.Bar"),
      error: (() => { try { s.parseVersion("nope"); } catch (e) { return e.code; } })(),
    };
    console.log(JSON.stringify(out));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const got = JSON.parse(out) as Record<string, unknown>;
  assert.ok(String(got.url).endsWith("/dist/standards/index.js"), String(got.url));
  assert.deepEqual(
    { ...got, url: undefined },
    {
      url: undefined,
      normal: "1.0.0rc1",
      contains: true,
      req: 'Foo[bar]>=1; python_version > "3"',
      name: "foo-bar",
      error: "INVALID_VERSION",
    },
  );
});
