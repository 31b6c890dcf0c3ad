"""Every model has a factory, and every factory builds a row the database accepts (constraints included)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from portal.models import Base
from tests import factories


def test_every_model_has_a_factory():
    models = {mapper.class_ for mapper in Base.registry.mappers}
    covered = {f._meta.model for f in factories.ALL_FACTORIES}
    assert models - covered == set(), "add a factory to tests/factories.py (and to ALL_FACTORIES)"


@pytest.mark.parametrize("factory_class", factories.ALL_FACTORIES, ids=lambda f: f.__name__)
def test_each_factory_builds_a_valid_row(db, factory_class):
    obj = factory_class()
    db.flush()
    assert inspect(obj).persistent
