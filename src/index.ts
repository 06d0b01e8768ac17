// Public Node API of omnipkg (documented in docs/api.md). The CLI is built from the same pieces.
export * from "./standards/index.ts";
export {
  interpreter,
  closeInterpreters,
  RemoteError,
  WorkerTimeout,
  type InterpreterHandle,
  type InterpreterOptions,
} from "./multiverse/index.ts";
export {
  installPackages,
  type InstallRequest,
  type InstallReport,
  type Strategy,
} from "./operations/install.ts";
export { uninstallPackages, type UninstallRequest, type UninstallReport } from "./operations/uninstall.ts";
export { OmnipkgError } from "./core/errors.ts";
