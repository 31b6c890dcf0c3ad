"""Helpers for work on large batches (uploads, the caseload of a whole region)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# From this many rows on, Python's cyclic garbage collector pauses while a batch is built.
GC_PAUSE_ROWS = 5_000


@contextmanager
def gc_paused(rows: int | None = None) -> Iterator[None]:
    """Pause the cyclic garbage collector while a big batch is built (always when `rows` is None).

    A 100,000-row batch allocates a few hundred thousand small objects that live until the batch is done; the
    collector would scan the whole growing heap again and again. Nothing here builds reference cycles, so
    memory is still freed by reference counting; the collector resumes afterwards.
    """
    if (rows is not None and rows < GC_PAUSE_ROWS) or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
