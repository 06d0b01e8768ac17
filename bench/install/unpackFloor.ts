/**
 * The floor under a cold omnipkg install, measured next to uv in bench/install: the least work a
 * content-addressed store must do in Node for the same wheels, and nothing else. Every wheel is
 * read and hashed whole (the index hash), every entry inflated with node:zlib, hashed (its store
 * name) and written once, on one worker thread per core, the entries shared out evenly.
 *
 * Left out on purpose, so the figure is the unpack work itself and not an estimate of it:
 * resolution, every safety check (names, sizes, CRC-32, RECORD), temp files and renames, manifests,
 * the knowledge base and linking into the environment. If this alone is slower than 1.5x uv's whole
 * cold install, no tuning of omnipkg's own code can meet that target on this machine. (On a busy
 * ext4 one run of it can still come out slower than one of omnipkg's: file creation there varies by
 * more than omnipkg's own work costs. On tmpfs it measured 533 ms against omnipkg's 604 ms.)
 *
 * Runs as its own process, so Node's start-up counts as it does for omnipkg:
 *   node bench/install/unpackFloor.ts <out-dir> <wheel>...
 * Node strips the types itself (no tsx: its loader would add ~100 ms to the floor).
 */
import { hash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { inflateRawSync } from "node:zlib";

const EOCD = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

interface Entry {
  wheel: string;
  /** Offset of the central-directory record. */
  record: number;
  /** Uncompressed size: what the split balances. */
  size: number;
}

function entriesOf(wheel: string, buf: Buffer): Entry[] {
  const eocd = buf.lastIndexOf(EOCD);
  const count = buf.readUInt16LE(eocd + 10);
  const out: Entry[] = [];
  let at = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    const nameLength = buf.readUInt16LE(at + 28);
    if (buf[at + 46 + nameLength - 1] !== 0x2f)
      out.push({ wheel, record: at, size: buf.readUInt32LE(at + 24) });
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return out;
}

/** Content this thread has written: the same bytes in two wheels are written once, as in the store. */
const written = new Set<string>();

function store(buf: Buffer, record: number, out: string): void {
  const method = buf.readUInt16LE(record + 10);
  const compressed = buf.readUInt32LE(record + 20);
  const local = buf.readUInt32LE(record + 42);
  const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
  const raw = buf.subarray(start, start + compressed);
  const data = method === 8 ? inflateRawSync(raw) : raw;
  const sha = hash("sha256", data, "hex");
  if (written.has(sha)) return;
  written.add(sha);
  const fd = openSync(`${out}/${sha.slice(0, 2)}/${sha.slice(2)}`, "w", 0o444);
  writeSync(fd, data);
  closeSync(fd);
}

interface Share {
  /** Wheels this thread hashes whole (the index hash check). */
  hashes: string[];
  entries: { wheel: string; record: number }[];
  bytes: number;
}

if (isMainThread) {
  const [out, ...wheels] = process.argv.slice(2);
  if (!out || wheels.length === 0) {
    process.stderr.write("usage: node bench/install/unpackFloor.ts <out-dir> <wheel>...\n");
    process.exit(2);
  }
  for (let i = 0; i < 256; i++) mkdirSync(`${out}/${i.toString(16).padStart(2, "0")}`, { recursive: true });
  // Entries, not wheels, are shared out, largest first, each to the least loaded thread: the
  // split a perfect scheduler would make (numpy alone would otherwise set the pace).
  const threads = Math.max(1, availableParallelism());
  const shares: Share[] = Array.from({ length: threads }, () => ({ hashes: [], entries: [], bytes: 0 }));
  const least = (): Share => shares.reduce((a, b) => (b.bytes < a.bytes ? b : a));
  const all: Entry[] = [];
  for (const wheel of wheels) {
    const buf = readFileSync(wheel);
    const share = least();
    share.hashes.push(wheel);
    share.bytes += buf.length;
    all.push(...entriesOf(wheel, buf));
  }
  for (const entry of all.sort((a, b) => b.size - a.size)) {
    const share = least();
    share.entries.push({ wheel: entry.wheel, record: entry.record });
    share.bytes += entry.size;
  }
  await Promise.all(
    shares.map(
      (share) =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { out, share } });
          worker.on("message", () => resolve());
          worker.on("error", reject);
        }),
    ),
  );
} else {
  const { out, share } = workerData as { out: string; share: Share };
  const buffers = new Map<string, Buffer>();
  const bytes = (wheel: string): Buffer => {
    let buf = buffers.get(wheel);
    if (!buf) buffers.set(wheel, (buf = readFileSync(wheel)));
    return buf;
  };
  for (const wheel of share.hashes) hash("sha256", bytes(wheel));
  for (const entry of share.entries) store(bytes(entry.wheel), entry.record, out);
  parentPort!.postMessage("done");
}
