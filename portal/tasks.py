"""Background jobs (huey): SQLite queue in instance/ by default, Redis when PORTAL_HUEY_URL says so."""

from __future__ import annotations

import os

from huey import RedisHuey, SqliteHuey

from portal.config import INSTANCE_DIR


def make_huey() -> SqliteHuey | RedisHuey:
    """The queue named by PORTAL_HUEY_URL (redis://…), else a SQLite file; immediate in tests."""
    url = os.environ.get("PORTAL_HUEY_URL", "")
    immediate = os.environ.get("PORTAL_HUEY_IMMEDIATE", "").lower() in {"1", "true"}
    if url.startswith("redis://"):
        return RedisHuey("portal", url=url, immediate=immediate)
    INSTANCE_DIR.mkdir(exist_ok=True)
    return SqliteHuey("portal", filename=str(INSTANCE_DIR / "huey.db"), immediate=immediate)


huey = make_huey()
