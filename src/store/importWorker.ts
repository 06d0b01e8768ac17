import { parentPort } from "node:worker_threads";
import { importWheel } from "./importWheel.ts";
import { serializeError, type ImportReply, type ImportTask } from "./importPool.ts";

/**
 * Worker-thread entry of the import pool (src/store/importPool.ts): it runs the very same
 * importWheel as the main thread, so validation, temp + link commits, manifest-last and cleanup on
 * failure are one code path. Bundled as dist/store-worker.cjs (scripts/build.mjs).
 */
parentPort!.on("message", (task: ImportTask) => {
  // While the manifest is being made durable, the pool may send the next wheel.
  const onCommit = (): void =>
    parentPort!.postMessage({ id: task.id, committing: true } satisfies ImportReply);
  importWheel(task.dirs, task.wheelPath, { ...task.options, onCommit }).then(
    (manifest) => parentPort!.postMessage({ id: task.id, manifest } satisfies ImportReply),
    (error: unknown) =>
      parentPort!.postMessage({ id: task.id, error: serializeError(error) } satisfies ImportReply),
  );
});
