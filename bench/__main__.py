"""Run a benchmark: `.venv/bin/python -m bench [name] [options]` (default: import_presentie).

Benchmarks: import_presentie (issue 4: 100k-row presence upload vs calamine + executemany; --pg, --memory),
load (issue 8: gunicorn -w 4 under 8 concurrent clients: /gezond, caseload, case page, grid save; --pg),
regie_scale (issue 10: overview and case page at 150k and 1.5M presence rows vs /gezond; --pg),
api (issue 15: 100k presence rows through POST /api/v1/presentie into a 1M-row table vs executemany/COPY; --pg),
dashboard (issue 13: the KPI dashboard vs the bare SQL of the same aggregates, SQLite and PostgreSQL),
billing (issue 12: one billing run for a periode vs the bare SQL line totals, and the rerun; SQLite and PostgreSQL).
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("import_presentie", "regie_scale", "load", "dashboard", "billing", "api")


def main() -> None:
    """Dispatch to bench.<name>.main(argv)."""
    args = sys.argv[1:]
    name = args.pop(0) if args and not args[0].startswith("-") else "import_presentie"
    if name not in BENCHMARKS:
        raise SystemExit(f"Onbekende benchmark '{name}'. Kies uit: {', '.join(BENCHMARKS)}")
    importlib.import_module(f"bench.{name}").main(args)


main()
