"""Run a benchmark: `.venv/bin/python -m bench [name] [options]` (default: import_presentie)."""

from __future__ import annotations

import importlib
import sys


def main() -> None:
    """Dispatch to bench.<name>.main(argv), or the module's own __main__ behaviour."""
    args = sys.argv[1:]
    name = args.pop(0) if args and not args[0].startswith("-") else "import_presentie"
    module = importlib.import_module(f"bench.{name}")
    runner = getattr(module, "main", None)
    if runner is None:
        raise SystemExit(f"bench.{name} heeft geen main()")
    try:
        runner(args)
    except TypeError:
        sys.argv = [f"bench.{name}", *args]
        runner()


main()
