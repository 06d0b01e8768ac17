#!/usr/bin/env node
// Entry point for the `omnipkg` and `8pkg` bins. Node's compile cache makes every start after the
// first skip parsing the bundle, which is most of the start-up time of a short command like `swap`.
import module from "node:module";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `error: omnipkg needs Node.js 22.19 or newer; this is ${process.version} (${process.execPath}).\n` +
      "hint: run it through npx or npm scripts, which use the Node 24 installed with it, or upgrade Node.\n",
  );
  process.exit(1);
}

if (typeof module.enableCompileCache === "function") {
  try {
    module.enableCompileCache();
  } catch {
    // A read-only cache location is not a reason to fail.
  }
}
// `swap python <VERSION>` and `install` have their own single-file bundles: no chunk graph, no
// commander. The install bundle is CommonJS (see scripts/build.mjs): `require` loads it without
// the export scan an `import` of CommonJS does.
const args = process.argv.slice(2);
if (args.length === 3 && args[0] === "swap" && args[1] === "python" && /^[0-9][0-9a-z.+]*$/i.test(args[2])) {
  await import("../dist/fast-swap.js");
} else if (args[0] === "install") {
  module.createRequire(import.meta.url)("../dist/fast-install.cjs");
} else {
  await import("../dist/cli.js");
}
