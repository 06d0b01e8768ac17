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
    // The store's import worker (src/store/importPool.ts finds it next to dist/ or dist/chunks/).
    "store-worker": "src/store/importWorker.ts",
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
