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
  packages: "external",
  sourcemap: false,
  logLevel: "warning",
  chunkNames: "chunks/[name]-[hash]",
});
