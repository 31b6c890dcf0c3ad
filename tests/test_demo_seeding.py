"""`flask seed-demo` loads the region once: a second run adds nothing and still prints the logins."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.demo import seed_demo
from portal.models import Aanbieder, Contract, Gemeente, Inburgeraar, Pip, User, Verwijzing


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_seeding_twice_does_not_duplicate(app_ctx, db):
    lines: list[str] = []
    seed_demo(echo=lines.append)
    counts = {m: _count(db, m) for m in (Gemeente, Aanbieder, User, Contract, Inburgeraar, Pip, Verwijzing)}
    assert counts[Inburgeraar] >= 200

    lines.clear()
    seed_demo(echo=lines.append)
    assert any("niet geladen" in line for line in lines)
    assert any("docent@omringdijk.example.nl" in line for line in lines)  # the logins are still printed
    seed_demo(force=True, echo=lines.append)
    assert {m: _count(db, m) for m in counts} == counts

