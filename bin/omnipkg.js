#!/usr/bin/env node
// Entry point for the `omnipkg` and `8pkg` bins. Node's compile cache makes every start after the
// first skip parsing the bundle, which is most of the start-up time of a short command like `swap`.
import module from "node:module";

if (typeof module.enableCompileCache === "function") {
  try {
    module.enableCompileCache();
  } catch {
    // A read-only cache location is not a reason to fail.
  }
}
await import("../dist/cli.js");
