"""Factories of the chain models: verhuizing (residence history), DUO berichten, handhaving, CBS deliveries."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import factory

from portal.models import (
    BerichtSoort,
    CbsLevering,
    DuoBericht,
    DuoContactpersoon,
    Handhaving,
    HandhavingBeleid,
    HandhavingGrond,
    HandhavingSoort,
    PipIntrekking,
    Verhuizing,
    VerhuizingVerwijzing,
)
from tests.factories import (
    BaseFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    UserFactory,
    VerwijzingFactory,
)


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


class HandhavingFactory(BaseFactory):
    """A boete of the inburgeraar's gemeente for a PIP obligation."""

    class Meta:
        model = Handhaving

    inburgeraar = factory.SubFactory(InburgeraarFactory)
    gemeente = factory.SelfAttribute("inburgeraar.gemeente")
    soort = HandhavingSoort.BOETE
    grond = HandhavingGrond.PIP_VERPLICHTING
    datum = factory.LazyFunction(lambda: date.today() - timedelta(days=10))
    verwijtbaarheid_pct = 50
    bedrag_cent = 40000


class HandhavingBeleidFactory(BaseFactory):
    class Meta:
        model = HandhavingBeleid

    gemeente_id = factory.LazyAttribute(lambda o: GemeenteFactory().id)
    escalatie_cent = factory.LazyFunction(lambda: [5000, 10000, 20000, 40000, 80000])


class CbsLeveringFactory(BaseFactory):
    class Meta:
        model = CbsLevering

    gemeente = factory.SubFactory(GemeenteFactory)
    periode_van = date(2026, 7, 1)
    periode_tot = date(2026, 9, 30)
    aantal_rijen = 12
    sha256 = "0" * 64
    layout_versie = "portal-2026.12"


class PipIntrekkingFactory(BaseFactory):
    class Meta:
        model = PipIntrekking

    pip = factory.SubFactory(PipFactory)
    inburgeraar_id = factory.SelfAttribute("pip.inburgeraar_id")
    datum = factory.LazyFunction(lambda: date.today() - timedelta(days=10))
    reden = "Verkeerde leerroute vastgesteld; nieuw PIP volgt."


CHAIN_FACTORIES = [VerhuizingFactory, VerhuizingVerwijzingFactory, DuoBerichtFactory, DuoContactpersoonFactory,
                   HandhavingFactory, HandhavingBeleidFactory, CbsLeveringFactory, PipIntrekkingFactory]
