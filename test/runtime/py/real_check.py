"""Real distributions installed by pip from the local mirror (realPackages.test.ts): rich 13.9.4 in
main with its dependencies, rich 15.0.0 alone in a bubble that takes the rest from main."""
import importlib.metadata as md
import io
import os
import sys

import omnipkg
import markdown_it
import rich
from rich.console import Console

BUBBLE = os.path.join(os.path.realpath(sys.prefix), "bubbles", "rich-15.0.0")


def check(cond, message, *details):
    if not cond:
        raise AssertionError(message + "".join(" | %r" % (d,) for d in details))


def render(console_class):
    out = io.StringIO()
    console_class(file=out, width=40, color_system=None).print("[bold]hello[/bold] world")
    return out.getvalue().strip()


check(md.version("rich") == "13.9.4", "main rich", md.version("rich"))
main_modules = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "rich"}
with omnipkg.loader("rich==15.0.0"):
    import rich as bubbled
    from rich.console import Console as BubbledConsole

    check(md.version("rich") == "15.0.0", "bubble metadata", md.version("rich"))
    check(bubbled.__file__.startswith(BUBBLE + os.sep), "bubble file", bubbled.__file__)
    check(BubbledConsole is not Console, "a different Console class")
    check(render(BubbledConsole) == "hello world", "bubbled rich renders", render(BubbledConsole))
    check(sys.modules["markdown_it"] is markdown_it, "markdown-it-py shared with main, not reloaded")
    check([d.version for d in md.distributions() if d.metadata["Name"] == "rich"] == ["15.0.0"], "main's rich hidden")
    files = md.files("rich")
    check(files is not None and any(str(f) == "rich/console.py" for f in files), "files() from the bubble's RECORD")
with omnipkg.loader("rich>=14") as block:
    from rich.console import Console as Again

    check(block.activations[0].version == "15.0.0" and Again.__module__ == "rich.console", "specifier")
with omnipkg.loader("rich<14") as block:
    check(sys.modules["rich"] is rich and block.activations[0].location == "main", "main's version is a no-op")
from rich.console import Console as After  # noqa: E402

check(After is Console and all(sys.modules[k] is v for k, v in main_modules.items()), "main's rich restored")
check(render(Console) == "hello world", "main rich renders")
print("ALL OK", rich.__name__, md.version("rich"))
