// Bundles the CLI and the public API with esbuild. Dynamic imports become separate chunks, so a
// command loads only the engine code it needs.
import { build } from "esbuild";
import { rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: {
    cli: "src/cli/main.ts",
    index: "src/index.ts",
    "standards/index": "src/standards/index.ts",
  },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  // Small ES-module dependencies on hot paths (htmlparser2 with its five helper packages, the TOML
  // parser, p-limit) are bundled: as packages they were ~40 modules for Node to resolve and link
  // on every install. CommonJS packages stay external (bundled into ESM they would need a
  // `require` shim), and so do the large ones that load only on rare paths.
  external: ["commander", "cli-progress", "undici", "yauzl", "ioredis", "tar", "@clack/prompts"],
  sourcemap: false,
  logLevel: "warning",
  chunkNames: "chunks/[name]-[hash]",
});

// One CommonJS file per hot entry (the store's import worker, `omnipkg install`). In this format a
// module that is imported dynamically is initialised on first use, together with the builtins and
// packages it requires, where an ES-module bundle would hoist every import to its top; `require` of
// a builtin skips the ES-module facade that `import` builds (for node:fs that facade alone loads
// fs/promises and readline); and no ES-module loader is set up. import.meta does not exist in
// CommonJS: the modules that use import.meta.url to find files shipped beside the bundle
// (src/core/packageRoot.ts, src/store/importPool.ts) get the file's own URL. Whitespace and comments
// go (names stay, so stack traces still read): some bundled packages keep comments with non-ASCII
// characters, which alone make V8 hold the whole source as a two-byte string.
function buildCommonJsEntry(name, entry, options) {
  return build({
    entryPoints: { [name]: entry },
    outdir: "dist",
    outExtension: { ".js": ".cjs" },
    bundle: true,
    splitting: false,
    format: "cjs",
    platform: "node",
    target: "node22",
    define: { "import.meta.url": "__omnipkgModuleUrl" },
    banner: { js: 'const __omnipkgModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
    minifyWhitespace: true,
    logLevel: "warning",
    ...options,
  });
}

// The store's import worker (src/store/importPool.ts finds it in dist/ from dist/ or dist/chunks/):
// every cold install boots one or two of these threads before numpy can start. As an ES module with
// its chunks a worker took ~31 ms of CPU to boot and answer, as one CommonJS file ~25 ms (an empty
// worker: ~18 ms).
await buildCommonJsEntry("store-worker", "src/store/importWorker.ts", { external: ["yauzl"] });

// `omnipkg swap python <VERSION>` (see src/cli/fastSwap.ts): one file with its few dependencies
// inlined, because every extra ES module costs start-up time on the hottest command.
await build({
  entryPoints: { "fast-swap": "src/cli/fastSwap.ts" },
  outdir: "dist",
  bundle: true,
  splitting: false,
  format: "esm",
  platform: "node",
  target: "node22",
  logLevel: "warning",
});

// `omnipkg install` (see src/cli/fastInstall.ts): the warm-install path, ~2 ms less to load without
// whitespace. commander is replaced by a stand-in: this entry never parses with it.
await buildCommonJsEntry("fast-install", "src/cli/fastInstall.ts", {
  external: ["cli-progress", "undici", "yauzl", "ioredis", "tar", "@clack/prompts"],
  alias: { commander: "./src/cli/fastCommander.ts" },
});
