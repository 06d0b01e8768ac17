// Public Node API of omnipkg. Areas add their exports here as they land (see docs/api.md).
export * from "./standards/index.ts";
