// Public API of the wheel installer (see docs/architecture.md, "Installer").
export { schemeForEnv, readPyvenvCfg, siteDirs, type InstallScheme } from "./scheme.ts";
export { prestartLinkHelper } from "./parallelLinks.ts";
export { installWheels, type InstallItem, type InstallOptions, type InstallResult } from "./installWheels.ts";
export { uninstall, type UninstallResult } from "./uninstall.ts";
export { listInstalled, listDistsIn, type InstalledDist } from "./distInfo.ts";
export { recoverEnv, type TransactionHooks } from "./transaction.ts";
export { InstallError } from "./errors.ts";
export { findLiveWheels } from "./liveWheels.ts";
