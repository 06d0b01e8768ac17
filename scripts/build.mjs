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
  packages: "external",
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
  // Rarely-needed dependencies (the menu, the knowledge base's Redis client) stay lazy imports.
  packages: "external",
  format: "esm",
  platform: "node",
  target: "node22",
  logLevel: "warning",
});
