"""Length-prefixed JSON frames: a 4-byte big-endian length, then that many bytes of UTF-8 JSON.

Same format on the worker's pipes and on the daemon's Unix socket (framing.ts on the Node side).
"""
import json
import struct

MAX_FRAME_BYTES = 256 * 1024 * 1024
_HEADER = struct.Struct(">I")


def pack(message):
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return _HEADER.pack(len(body)) + body


def _read_exact(read, size):
    chunks = []
    remaining = size
    while remaining:
        chunk = read(remaining)
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(read):
    """Read one frame with `read(n)`; None at a clean end of stream."""
    header = _read_exact(read, 4)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_FRAME_BYTES:
        raise ValueError("omnipkg frame of %d bytes is over the limit" % size)
    body = _read_exact(read, size)
    if body is None:
        raise EOFError("omnipkg stream ended in the middle of a frame")
    return json.loads(body.decode("utf-8"))
