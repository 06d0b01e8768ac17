import type { Encoded } from "./codec.ts";

/**
 * Length-prefixed JSON frames (4-byte big-endian length, then UTF-8 JSON), the same on the worker
 * pipes and on the daemon socket (omnipkg_worker/framing.py is the Python side). Streams deliver
 * arbitrary chunks: a frame may arrive split across chunks or several frames in one chunk.
 */

export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

export class FrameError extends Error {}

export function packFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), "utf8");
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Feed a chunk; returns every complete message it finished. */
  push(chunk: Buffer): Record<string, Encoded>[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const messages: Record<string, Encoded>[] = [];
    while (this.buffered >= 4) {
      const head = this.chunks.length === 1 ? this.chunks[0]! : this.flatten();
      const size = head.readUInt32BE(0);
      if (size > MAX_FRAME_BYTES) throw new FrameError(`a frame of ${size} bytes is over the limit`);
      if (this.buffered < 4 + size) break;
      const all = this.flatten();
      messages.push(JSON.parse(all.toString("utf8", 4, 4 + size)) as Record<string, Encoded>);
      const rest = all.subarray(4 + size);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
    }
    return messages;
  }

  private flatten(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }
}
