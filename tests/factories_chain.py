"""Factories of the chain models: verhuizing (residence history), DUO berichten, handhaving, CBS deliveries."""

from __future__ import annotations

from datetime import date, timedelta

import factory

from portal.models import Verhuizing, VerhuizingVerwijzing
from tests.factories import BaseFactory, GemeenteFactory, InburgeraarFactory, VerwijzingFactory


class VerhuizingFactory(BaseFactory):
    """A move of an inburgeraar out of its current gemeente; does not update Inburgeraar.gemeente_id (use the
    service for that)."""

    class Meta:
        model = Verhuizing

    inburgeraar = factory.SubFactory(InburgeraarFactory)
    van_gemeente = factory.SelfAttribute("inburgeraar.gemeente")
    naar_gemeente = factory.SubFactory(GemeenteFactory)
    datum = factory.LazyFunction(lambda: date.today() - timedelta(days=30))


class VerhuizingVerwijzingFactory(BaseFactory):
    class Meta:
        model = VerhuizingVerwijzing

    verhuizing = factory.SubFactory(VerhuizingFactory)
    verwijzing = factory.SubFactory(VerwijzingFactory, inburgeraar=factory.SelfAttribute("..verhuizing.inburgeraar"))


CHAIN_FACTORIES = [VerhuizingFactory, VerhuizingVerwijzingFactory]
