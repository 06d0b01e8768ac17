"""Timings inside one interpreter for bench/loader/run.ts; prints one JSON object.

argv: <mode> <iterations>
  loader: median ns of `with loader(SPEC): pass` while main's bigpkg (20 distributions) is
          imported, so every enter snapshots and removes its modules and every exit restores them;
  switch: median ns of entering the bubble, importing bigpkg from it (20 distributions), and
          leaving, back to main's already-imported modules;
  import: ns of the first `import bigpkg` in this (fresh) process.
"""
import json
import sys
import time

mode, iterations = sys.argv[1], int(sys.argv[2])
SPEC = "bigpkg==2.0.0"


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


if mode == "import":
    start = time.perf_counter_ns()
    import bigpkg  # noqa: F401

    print(json.dumps({"import_ns": time.perf_counter_ns() - start}))
    sys.exit(0)

import omnipkg  # noqa: E402
import bigpkg  # noqa: E402,F811

assert bigpkg.VERSION == "1.0.0"
samples = []
clock = time.perf_counter_ns
if mode == "loader":
    block = omnipkg.loader(SPEC)
    for _ in range(20):
        with block:
            pass
    for _ in range(iterations):
        start = clock()
        with block:
            pass
        samples.append(clock() - start)
elif mode == "switch":
    block = omnipkg.loader(SPEC)
    for i in range(iterations + 5):
        start = clock()
        with block:
            import bigpkg as switched

            assert switched.VERSION == "2.0.0"
        elapsed = clock() - start
        if i >= 5:
            samples.append(elapsed)
    import bigpkg as back

    assert back is bigpkg
else:
    raise SystemExit("unknown mode " + mode)
print(json.dumps({"median_ns": median(samples), "min_ns": min(samples), "modules": len(sys.modules)}))
