import type { DistFile } from "../index/index.ts";

/**
 * Download progress for install-like commands: one aggregate bar on stderr, only on a TTY and
 * never in --json mode (machine output stays clean). cli-progress is loaded only when a bar is
 * actually shown.
 */
export interface DownloadProgress {
  onDownloadStart(file: DistFile): void;
  onDownloadProgress(file: DistFile, received: number, total: number | undefined): void;
  onDownloadDone(file: DistFile, bytes: number): void;
  stop(): void;
}

export async function createDownloadProgress(enabled: boolean): Promise<DownloadProgress | undefined> {
  if (!enabled || !process.stderr.isTTY) return undefined;
  const { SingleBar, Presets } = await import("cli-progress");
  const bar = new SingleBar(
    {
      format: "Downloading {files} [{bar}] {value_mb}/{total_mb} MiB",
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  const files = new Map<string, { received: number; total: number }>();
  let started = false;
  const update = () => {
    let received = 0;
    let total = 0;
    for (const f of files.values()) {
      received += f.received;
      total += Math.max(f.total, f.received);
    }
    const payload = {
      files: `${files.size} file${files.size === 1 ? "" : "s"}`,
      value_mb: (received / 2 ** 20).toFixed(1),
      total_mb: (total / 2 ** 20).toFixed(1),
    };
    if (!started) {
      bar.start(total || 1, received, payload);
      started = true;
    } else {
      bar.setTotal(total || 1);
      bar.update(received, payload);
    }
  };
  return {
    onDownloadStart(file) {
      files.set(file.url, { received: 0, total: file.size ?? 0 });
      update();
    },
    onDownloadProgress(file, received, total) {
      files.set(file.url, { received, total: total ?? file.size ?? 0 });
      update();
    },
    onDownloadDone(file, bytes) {
      files.set(file.url, { received: bytes, total: bytes });
      update();
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
