"""Factories of the chain models: verhuizing (residence history), DUO berichten, handhaving, CBS deliveries."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import factory

from portal.models import BerichtSoort, DuoBericht, DuoContactpersoon, Verhuizing, VerhuizingVerwijzing
from tests.factories import BaseFactory, GemeenteFactory, InburgeraarFactory, UserFactory, VerwijzingFactory


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


class DuoBerichtFactory(BaseFactory):
    """A GevolgdeUren bericht (valid against DUO's schema, as every bericht in the suite must be)."""

    class Meta:
        model = DuoBericht

    bericht_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    inburgeraar = factory.SubFactory(InburgeraarFactory)
    gemeente = factory.SelfAttribute("inburgeraar.gemeente")
    soort = BerichtSoort.GEVOLGDE_UREN
    sleutel = factory.LazyAttribute(lambda o: f"uren:{o.inburgeraar.id}:participatietaalles")
    methode = "PUT"
    pad = factory.LazyAttribute(lambda o: f"/personen/{o.inburgeraar.bsn}/uren/participatietaalles")
    body = factory.LazyFunction(lambda: {"uren": 12})
    bron_oin = "00000001000000405000"
    doel_oin = "00000001003214345000"


class DuoContactpersoonFactory(BaseFactory):
    class Meta:
        model = DuoContactpersoon

    user_id = factory.LazyAttribute(lambda o: UserFactory().id)
    gemeente_id = factory.LazyAttribute(lambda o: GemeenteFactory().id)
    duo_id = factory.Sequence(lambda n: n + 1)


CHAIN_FACTORIES = [VerhuizingFactory, VerhuizingVerwijzingFactory, DuoBerichtFactory, DuoContactpersoonFactory]
