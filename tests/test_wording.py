"""Dutch wording: weeks in words, abbreviations keep their capitals, plurals agree, no DUO codes on screen."""

from __future__ import annotations

from datetime import date

from portal.formatting import week_lang
from portal.models import BerichtStatus
from portal.models.enums import Rol
from tests.factories import AanbiederFactory, GemeenteFactory, InburgeraarFactory, UserFactory
from tests.factories_chain import DuoBerichtFactory
from tests.helpers import post_form


def test_weeks_are_written_with_their_days_in_words():
    assert week_lang(date(2026, 11, 23)) == "week 48 (23–29 november 2026)"
    assert week_lang(date(2026, 11, 30)) == "week 49 (30 november – 6 december 2026)"
    assert week_lang(date(2025, 12, 29)) == "week 1 (29 december 2025 – 4 januari 2026)"
    assert week_lang(date(2026, 11, 30), -1) == "week 48 (23–29 november 2026)"


def test_week_grid_heading_and_links_name_the_weeks_in_words(db, login_as):
    docent = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=AanbiederFactory())
    html = login_as(docent).get("/presentie/week?week=2026-W48").get_data(as_text=True)
    assert "Presentie week 48 (23–29 november 2026)</h1>" in html
    assert "(week 47 (16–22 november 2026))" in html and "2026-W47)" not in html


def test_upload_templates_keep_abbreviations_in_capitals(db, login_as):
    docent = UserFactory(rol=Rol.AANBIEDER_MEDEWERKER, aanbieder=AanbiederFactory())
    html = login_as(docent).get("/uploads/").get_data(as_text=True)
    assert "Sjabloon resultaten MAP, PVT en Z-route" in html and "map, pvt" not in html


def test_a_weekly_percentage_reads_the_same_in_the_chart_and_its_table():
    from decimal import Decimal

    from portal.charts import aanwezigheid_svg
    from portal.formatting import getal
    from portal.services.tijdlijn import WeekPresentie

    week = WeekPresentie(date(2026, 11, 23), Decimal(2), Decimal(0), Decimal(1))  # 2 of 3 hours: 66,7%
    svg = str(aanwezigheid_svg([week]))
    assert getal(week.percentage, 1) == "66,7" and ">66,7%</text>" in svg
    assert ">67%</text>" not in svg
    assert all(int(size) >= 12 for size in __import__("re").findall(r'font-size="(\d+)"', svg))


def test_no_hint_repeats_the_labels_niet_verplicht():
    """An optional field's label already says "(niet verplicht)" (the form macro); a hint saying it again reads
    "Belemmeringen (niet verplicht) ... (niet verplicht)."."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import portal.blueprints

    dubbel = []
    for module in pkgutil.iter_modules(portal.blueprints.__path__):
        try:
            forms = importlib.import_module(f"portal.blueprints.{module.name}.forms")
        except ModuleNotFoundError:
            continue
        for form in vars(forms).values():
            if isinstance(form, type) and issubclass(form, FlaskForm):
                for name, field in vars(form).items():
                    description = getattr(field, "kwargs", {}).get("description") or ""
                    if "niet verplicht" in str(description):
                        dubbel.append(f"{module.name}.{form.__name__}.{name}")
    assert dubbel == []


def test_a_field_whose_hint_says_when_it_is_required_is_not_labelled_optional():
    """A hint "Verplicht bij ..." under a label "(niet verplicht)" contradicts itself (the afschaling decision's
    Reden, the boete's bedrag and verwijtbaarheid): such a field is marked conditional (fields.VOORWAARDELIJK), so
    the label says neither. Checked for every blueprint's forms (the PIP form's Niveau: "Verplicht bij de
    B1-route")."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import portal.blueprints

    blueprints = [m.name for m in pkgutil.iter_modules(portal.blueprints.__path__)
                  if m.ispkg and importlib.util.find_spec(f"portal.blueprints.{m.name}.forms") is not None]
    assert {"contracten", "declaraties", "inburgeraars", "keten", "registraties"} <= set(blueprints)
    tegenstrijdig = []
    for blueprint in blueprints:
        forms = importlib.import_module(f"portal.blueprints.{blueprint}.forms")
        for form in vars(forms).values():
            if isinstance(form, type) and issubclass(form, FlaskForm):
                for name, field in vars(form).items():
                    kwargs = getattr(field, "kwargs", {})
                    flags = {flag for v in kwargs.get("validators") or [] for flag in getattr(v, "field_flags", {})}
                    if str(kwargs.get("description") or "").startswith("Verplicht") and not flags:
                        tegenstrijdig.append(f"{blueprint}.{form.__name__}.{name}")
    assert tegenstrijdig == []


def test_the_afschaling_decision_reason_is_not_labelled_optional(db, login_as, case):
    from portal.models.resultaat import Afschalingsverzoek

    verzoek = Afschalingsverzoek(verwijzing=case.b1, inburgeraar_id=case.inburgeraar.id, observaties_aanbieder="x",
                                 ervaring_inburgeraar="y", uren_op_moment=600)
    db.add(verzoek)
    db.flush()
    html = login_as(case.klantregisseur).get(f"/registraties/afschalingsverzoeken/{verzoek.id}").text
    reden = html.split('for="besluit_reden"')[1].split("</div>")[0]
    assert "(niet verplicht)" not in reden and "Verplicht bij afwijzen" in html


def test_error_messages_keep_the_capitals_of_abbreviations(db, login_as):
    # The label "de HTTP-status van DUO" starts the sentence; only its first letter may change.
    hoorn = GemeenteFactory(naam="Hoorn")
    regisseur = UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[hoorn])
    bericht = DuoBerichtFactory(inburgeraar=InburgeraarFactory(gemeente=hoorn), status=BerichtStatus.VERZONDEN)
    db.flush()
    html = post_form(login_as(regisseur), f"/keten/duo/{bericht.id}", {"status": "abc"}).get_data(as_text=True)
    assert "De HTTP-status van DUO moet een heel getal zijn" in html
    assert "http-status van duo" not in html
