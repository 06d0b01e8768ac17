// Public surface of the multiverse area: warm workers, the daemon, `run` and `multiverse`.
export {
  interpreter,
  closeInterpreters,
  type InterpreterHandle,
  type InterpreterOptions,
} from "./interpreter.ts";
export { WorkerPool, type PoolOptions, type WorkerStatus } from "./pool.ts";
export { readDaemonSettings, type DaemonSettings } from "./settings.ts";
export { resolveTarget, resolveTargets, listTargets, type Target } from "./interpreters.ts";
export { decodeValue, encodeValue } from "./codec.ts";
export {
  RemoteError,
  WorkerTimeout,
  WorkerCrashed,
  WorkerStartFailed,
  PoolClosed,
  NoSuchInterpreter,
  DaemonUnavailable,
  DaemonRefused,
} from "./errors.ts";
export { daemonPaths, type DaemonPaths } from "./daemonPaths.ts";
export { DaemonClient, startDaemon, stopDaemon, daemonStatus, type DaemonStatus } from "./daemonClient.ts";
export { serveDaemon } from "./daemonServer.ts";
export { parseRunArgv, pythonArgs, type RunTarget, type RunRequest } from "./launch.ts";
export { runOnce, adoptOutcome } from "./runTarget.ts";
export { runMultiverse, type MultiverseResult } from "./multiverse.ts";
