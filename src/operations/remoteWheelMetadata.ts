import { zlib } from "../core/lazyBuiltins.ts";
import type { DistFile, IndexClient } from "../index/index.ts";

/**
 * Read a wheel's `*.dist-info/METADATA` with HTTP range requests when the index offers no PEP 658
 * file: the zip's end record and central directory sit at the end of the file, so two or three
 * small ranges replace downloading a wheel of possibly hundreds of megabytes. Gives no metadata
 * whenever the server does not do ranges or the zip is unusual (zip64, multi-disk, a bad CRC): the
 * caller then downloads the wheel, which it would need for the install anyway.
 */

const EOCD_SIG = 0x06054b50;
const CDH_SIG = 0x02014b50;
const LFH_SIG = 0x04034b50;
const TAIL_BYTES = 64 * 1024;

interface Entry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  localOffset: number;
}

function findEocd(tail: Buffer): number {
  for (let i = tail.length - 22; i >= 0; i--) if (tail.readUInt32LE(i) === EOCD_SIG) return i;
  return -1;
}

function parseCentralDirectory(cd: Buffer): Entry[] {
  const entries: Entry[] = [];
  let p = 0;
  while (p + 46 <= cd.length && cd.readUInt32LE(p) === CDH_SIG) {
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    entries.push({
      method: cd.readUInt16LE(p + 10),
      crc: cd.readUInt32LE(p + 16),
      compressedSize: cd.readUInt32LE(p + 20),
      localOffset: cd.readUInt32LE(p + 42),
      name: cd.subarray(p + 46, p + 46 + nameLen).toString("utf8"),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

export interface RemoteMetadata {
  /** METADATA text, or undefined when it could not be read this way. */
  metadata: string | undefined;
  /** False when the server answered a range request with the whole file (200): not worth retrying. */
  rangesSupported: boolean;
}

/**
 * The tail is asked for with explicit offsets when the index gives the file's size (PEP 700), since
 * some servers and CDNs mishandle suffix ranges (`bytes=-65536`); otherwise as a suffix. A small
 * wheel fits in the tail whole, so one request is enough: the local header and the data are read
 * from it when they are inside.
 */
export async function readRemoteWheelMetadata(client: IndexClient, file: DistFile): Promise<RemoteMetadata> {
  const unusable = { metadata: undefined, rangesSupported: true };
  const size = file.size;
  const tailResult =
    size !== undefined && size > 0
      ? await client.fetchRange(file.url, Math.max(0, size - TAIL_BYTES), size - 1)
      : await client.fetchRange(file.url, -TAIL_BYTES);
  if (!tailResult.supported) return { metadata: undefined, rangesSupported: false };
  if (!tailResult.bytes || tailResult.start === undefined) return unusable;
  const tail = tailResult.bytes;
  const tailStart = tailResult.start;
  const fromTail = (offset: number, length: number): Buffer | undefined =>
    offset >= tailStart && offset + length <= tailStart + tail.length
      ? tail.subarray(offset - tailStart, offset - tailStart + length)
      : undefined;
  const eocd = findEocd(tail);
  if (eocd < 0) return unusable;
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || cdSize === 0xffffffff) return unusable; // zip64
  let cd = fromTail(cdOffset, cdSize);
  if (!cd) {
    // Only the part of the directory that the tail does not already hold.
    const cdEnd = cdOffset + cdSize;
    const missingEnd = cdEnd > tailStart ? tailStart : cdEnd;
    const r = await client.fetchRange(file.url, cdOffset, missingEnd - 1);
    if (!r.supported || !r.bytes || r.bytes.length !== missingEnd - cdOffset) return unusable;
    cd = cdEnd > tailStart ? Buffer.concat([r.bytes, tail.subarray(0, cdEnd - tailStart)]) : r.bytes;
  }
  const entry = parseCentralDirectory(cd).find((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.name));
  if (!entry || (entry.method !== 0 && entry.method !== 8)) return unusable;
  // The local header's name/extra lengths may differ from the central copy: over-fetch a little.
  const slack = 30 + entry.name.length + 1024;
  let local = fromTail(entry.localOffset, 30);
  if (local) {
    const length = 30 + local.readUInt16LE(26) + local.readUInt16LE(28) + entry.compressedSize;
    local = fromTail(entry.localOffset, length);
  }
  if (!local) {
    const r = await client.fetchRange(
      file.url,
      entry.localOffset,
      entry.localOffset + slack + entry.compressedSize - 1,
    );
    if (!r.supported || !r.bytes) return unusable;
    local = r.bytes;
  }
  if (local.length < 30 || local.readUInt32LE(0) !== LFH_SIG) return unusable;
  const dataStart = 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  const raw = local.subarray(dataStart, dataStart + entry.compressedSize);
  if (raw.length !== entry.compressedSize) return unusable;
  let data: Buffer;
  try {
    data = entry.method === 8 ? zlib().inflateRawSync(raw) : raw;
  } catch {
    return unusable;
  }
  if (zlib().crc32(data) >>> 0 !== entry.crc >>> 0) return unusable;
  return { metadata: data.toString("utf8"), rangesSupported: true };
}
