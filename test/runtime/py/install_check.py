"""loader(..., install=True) (run by install.test.ts; _cli.json points at a fake CLI).

argv[1] == "ok": the fake CLI puts the bubble in place, so the block activates tinypkg 4.0.0.
argv[1] == "fail": the fake CLI exits 3, so InstallFailed carries the command and its output.
"""
import importlib.metadata as md
import sys

import omnipkg

mode = sys.argv[1]
if mode == "ok":
    with omnipkg.loader("tinypkg==4.0.0", "plainlib", install=True):
        import tinypkg

        assert tinypkg.VERSION == "4.0.0" and md.version("tinypkg") == "4.0.0", tinypkg.VERSION
    with omnipkg.loader("tinypkg==4.0.0", install=True):  # installed now: no second run
        pass
    print("ALL OK")
elif mode == "fail":
    try:
        omnipkg.loader("tinypkg==5.0.0", install=True).__enter__()
    except omnipkg.InstallFailed as error:
        print(str(error))
        assert omnipkg.loader.active() == []
    else:
        raise AssertionError("no InstallFailed")
