"""The regie case page's parts: the attendance chart (patterns, text alternative), the timeline with sources,
and signal figures that respect who may see health-related circumstances."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from portal import access
from portal.charts import aanwezigheid_svg, beschrijving
from portal.models import OmstandighedenMelding, TrajectStart, Voortgangsrapportage
from portal.models.enums import Rol, VerwijzingStatus
from portal.models.resultaat import OmstandighedenSoort
from portal.models.traject import Activiteit
from portal.services import resultaten, signalen, tijdlijn
from tests.factories import (
    ContractFactory,
    GemeenteFactory,
    InburgeraarFactory,
    PipFactory,
    PresentieFactory,
    UserFactory,
    VerwijzingFactory,
)

TODAY = date(2026, 11, 20)  # a Friday in ISO week 47


def _week(aanwezig, geoorloofd=0, ongeoorloofd=0, maandag=date(2026, 11, 16)):
    return tijdlijn.WeekPresentie(maandag, Decimal(aanwezig), Decimal(geoorloofd), Decimal(ongeoorloofd))


def test_weeks_are_summed_per_iso_week_including_empty_weeks():
    per_dag = [
        (1, date(2026, 11, 16), (Decimal(3), Decimal(0), Decimal(0))),
        (2, date(2026, 11, 19), (Decimal(2), Decimal(1), Decimal(0))),
        (1, date(2026, 11, 4), (Decimal(0), Decimal(0), Decimal(3))),
        (1, date(2026, 1, 5), (Decimal(9), Decimal(0), Decimal(0))),  # outside the window
    ]
    weken = tijdlijn.weken(per_dag, tot=TODAY, aantal=4)
    assert [w.maandag for w in weken] == [date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    assert weken[-1].aanwezig == 5 and weken[-1].geoorloofd == 1 and weken[-1].percentage == Decimal("83.3")
    assert weken[1].ongeoorloofd == 3 and weken[1].percentage == 0
    assert weken[0].gepland == 0 and weken[0].percentage is None


def test_chart_is_labelled_and_uses_patterns_not_colour_alone():
    weken = [_week(6, 2, 1, date(2026, 11, 9)), _week(0, maandag=date(2026, 11, 16))]
    svg = str(aanwezigheid_svg(weken))
    assert 'role="img"' in svg and "aria-labelledby" not in svg and "aria-describedby" not in svg
    assert "<title id=\"aanwezigheid-titel\">Aanwezigheid per week</title>" in svg  # the image's name, only
    # The summary is the figure's caption on the page; in the SVG too, a screen reader would hear it twice.
    assert "<desc" not in svg and "6 van 9 geplande uren aanwezig" not in svg
    assert "6 van 9 geplande uren aanwezig (66,7%)" in beschrijving(weken)
    # Absences are hatched and crossed patterns, and the legend names each series in words.
    assert 'fill="url(#aanwezigheid-hatch)"' in svg and 'fill="url(#aanwezigheid-cross)"' in svg
    for label in ("Aanwezig", "Afwezig met reden", "Afwezig zonder reden"):
        assert f">{label}</text>" in svg
    assert ">66,7%</text>" in svg and ">–</text>" in svg  # percentage above the bar; a dash for an empty week
    assert "style=" not in svg and "<script" not in svg  # the CSP forbids both
    assert "1 van de 2 weken zonder geplande uren" in beschrijving(weken)


def test_timeline_lists_every_source_newest_first(db, app_ctx):
    gemeente = GemeenteFactory()
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar, dagtekening=date(2026, 1, 10))
    verwijzing = VerwijzingFactory(inburgeraar=inburgeraar, contract=ContractFactory(gemeenten=[gemeente]),
                                   beoogde_startdatum=date(2026, 2, 1), uiterste_einddatum=date(2027, 6, 1))
    verwijzing.status = VerwijzingStatus.GESTART
    db.add(TrajectStart(verwijzing_id=verwijzing.id, gerealiseerde_startdatum=date(2026, 2, 20),
                        reden_latere_start="Geen plek"))
    PresentieFactory(verwijzing=verwijzing, datum=date(2026, 11, 17), activiteit=Activiteit.TAALLES_KNM,
                     uren_aanwezig=Decimal(3))
    db.add(OmstandighedenMelding(inburgeraar_id=inburgeraar.id, verwijzing_id=verwijzing.id,
                                 aanbieder_id=verwijzing.aanbieder_id, soort=OmstandighedenSoort.VERHUIZING,
                                 datum=date(2026, 6, 1), toelichting="Verhuisd binnen de gemeente"))
    db.add(Voortgangsrapportage(verwijzing_id=verwijzing.id, peildatum=date(2026, 5, 1), motivatie="Gemotiveerd",
                                voortgang="Loopt op schema"))
    db.flush()
    verwijzingen = access.verwijzingen_of(regisseur, inburgeraar)
    registraties = resultaten.registraties_van(db, regisseur, inburgeraar)
    per_week = tijdlijn.presentie_per_week(db, regisseur, [v.id for v in verwijzingen])
    events = tijdlijn.tijdlijn(db, regisseur, inburgeraar, verwijzingen, registraties, per_week, date.today())

    soorten = [e.soort for e in events]
    assert {"PIP", "Verwijzing", "Start", "Presentie", "Omstandigheden"} <= set(soorten)
    assert [e.moment for e in events] == sorted((e.moment for e in events), reverse=True)
    aanbieder = f"Aanbieder {verwijzing.aanbieder.naam}"
    start = next(e for e in events if e.soort == "Start")
    assert start.bron == aanbieder and "Reden latere start: Geen plek" in start.omschrijving
    assert next(e for e in events if e.soort == "PIP").bron == "Gemeente"
    voortgang = next(e for e in events if e.soort == "Voortgang")
    assert (voortgang.moment, voortgang.omschrijving, voortgang.bron, voortgang.verwijzing) == (
        date(2026, 5, 1), "Voortgangsrapportage: Loopt op schema", aanbieder, verwijzing.kenmerk)
    presentie = next(e for e in events if e.soort == "Presentie")
    assert presentie.omschrijving.startswith("Week 47 (16–22 november 2026): 3 uur aanwezig")


def test_health_circumstances_count_only_for_the_klantregisseur(db):
    gemeente = GemeenteFactory()
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])
    manager = UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])
    inburgeraar = InburgeraarFactory(gemeente=gemeente)
    PipFactory(inburgeraar=inburgeraar)
    verwijzing = VerwijzingFactory(inburgeraar=inburgeraar, contract=ContractFactory(gemeenten=[gemeente]))
    db.add(OmstandighedenMelding(inburgeraar_id=inburgeraar.id, verwijzing_id=verwijzing.id,
                                 aanbieder_id=verwijzing.aanbieder_id, soort=OmstandighedenSoort.GEZONDHEID,
                                 datum=date.today() - timedelta(days=2), toelichting="x"))
    db.flush()

    def codes(user):
        case_ = signalen.caseload(db, user, filters=signalen.Filters(inburgeraar_id=inburgeraar.id))[0]
        return {s.code for s in case_.signalen}

    assert "omstandigheden" in codes(regisseur)
    assert "omstandigheden" not in codes(manager)
