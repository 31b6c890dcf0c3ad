"""The engine's compiled-statement cache (portal.statement_cache): found again by identity, never a wrong entry."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import bindparam, column, literal, select, table

from portal.database import make_engine
from portal.statement_cache import StatementCache


def test_engine_compiles_a_reused_statement_once_and_answers_each_execution(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    cache = engine.get_execution_options()["compiled_cache"]
    assert isinstance(cache, StatementCache)
    statement = select(literal(1).label("een"), bindparam("x").label("x"))
    with engine.connect() as connection:
        before = len(cache)
        answers = [connection.execute(statement, {"x": n}).one().x for n in range(3)]
        # A statement built again with the same shape finds the same compiled SQL (equality, not identity).
        again = connection.execute(select(literal(1).label("een"), bindparam("x").label("x")), {"x": 7}).one().x
    assert answers == [0, 1, 2]
    assert again == 7
    assert len(cache) == before + 1
    engine.dispose()


def test_keys_of_equal_parts_find_the_entry_and_other_keys_do_not() -> None:
    cache = StatementCache()
    parts = (1, (2, ("a", "b")), ("kolom",))
    cache[("dialect", parts, ("p",), False)] = "gecompileerd"
    assert cache.get(("dialect", parts, ("p",), False)) == "gecompileerd"  # the same parts: by identity
    assert cache.get(("dialect", (1, (2, ("a", "b")), ("kolom",)), ("p",), False)) == "gecompileerd"  # equal parts
    assert cache.get(("dialect", parts, ("q",), False)) is None  # other parameter names
    assert cache.get(("dialect", (1, (2, ("a", "c")), ("kolom",)), ("p",), False)) is None  # another statement


def test_the_cache_stays_bounded_and_forgets_what_it_dropped() -> None:
    cache = StatementCache(size=2)
    keys = [("dialect", (n, ("t",)), (), False) for n in range(3)]
    for n, key in enumerate(keys):
        cache[key] = n
        assert cache.get(key) == n
    assert len(cache) == 2
    assert cache.get(keys[0]) is None  # the oldest was dropped, from the shortcut as well
    assert [cache.get(key) for key in keys[1:]] == [1, 2]


def test_a_table_query_through_the_cache_reads_its_rows(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'rijen.db'}")
    getallen = table("getallen", column("n"))
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE getallen (n INTEGER)")
        connection.exec_driver_sql("INSERT INTO getallen VALUES (1), (2), (3)")
        statement = select(getallen.c.n).where(getallen.c.n >= bindparam("vanaf")).order_by(getallen.c.n)
        assert [list(connection.scalars(statement, {"vanaf": vanaf})) for vanaf in (1, 3)] == [[1, 2, 3], [3]]
    engine.dispose()
