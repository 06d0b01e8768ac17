"""One of several processes using the same environment at once (isolation.test.ts).

With a spec, activates it; prints "ready", waits for a line on stdin (so that every process is
inside its block at the same time), then imports tinypkg and prints what it got as JSON.
"""
import importlib.metadata as md
import json
import sys

import omnipkg

spec = sys.argv[1] if len(sys.argv) > 1 else None
block = omnipkg.loader(spec) if spec else None
if block is not None:
    block.__enter__()
print("ready", flush=True)
sys.stdin.readline()
import tinypkg  # noqa: E402

print(json.dumps({
    "spec": spec,
    "version": tinypkg.VERSION,
    "helper": tinypkg.HELPER,
    "metadata": md.version("tinypkg"),
    "file": tinypkg.__file__,
    "active": [list(a) for a in omnipkg.loader.active()],
}), flush=True)
if block is not None:
    block.__exit__(None, None, None)
