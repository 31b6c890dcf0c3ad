"""gunicorn's settings, read by gunicorn itself when it starts in the project root (README, "Productie").

Python's cyclic garbage collector ran about 25 times during one case page with its default threshold (a
collection per 700 new container objects), each time walking the young objects: ~1.8 ms of a page that costs
~25 ms, and more of a grid save (measured with gc.callbacks through the test client). A request's garbage is
freed by reference counting; cycles are rare. So once a worker has its app, everything built so far (modules,
models, templates: ~200,000 objects) is frozen out of collection, and a collection runs per 50,000 new objects.
"""

from __future__ import annotations

import gc
from typing import Any

GC_THRESHOLD = (50_000, 20, 20)


def post_worker_init(_worker: Any) -> None:
    """After the worker has loaded the app (built in the worker, or inherited from the master with --preload)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
