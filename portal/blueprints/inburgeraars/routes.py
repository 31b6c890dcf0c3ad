"""Gemeente views: the inburgeraars list with search and filters, the case page and the case forms."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import access, clock
from portal.access import CASE_MANAGERS, CASE_READERS, roles_required
from portal.blueprints.formflow import form_page, input_from, save_form
from portal.blueprints.inburgeraars import bp, weergave
from portal.blueprints.inburgeraars.forms import InburgeraarForm, PipForm, VerwijzingForm, choices
from portal.blueprints.listing import (
    choice_arg,
    int_arg,
    record_shown,
    render_list,
)
from portal.blueprints.registraties.forms import BesluitForm
from portal.extensions import db
from portal.models.enums import Doelgroep, Leerroute, Rol
from portal.navigation import add_nav_item, id_url
from portal.pagination import PAGE_PARAM, page_number, paginate
from portal.services import afschaling, cases, dossier, overzichten, tijdlijn

add_nav_item("inburgeraars.index", "Inburgeraars", CASE_READERS,
             description="zoeken, PIP vaststellen en verwijzen", order=10,
             per_rol={Rol.CONTRACTMANAGER: "zoeken en dossiers inzien"})

SORT_LABELS = {"naam": "Naam", "bsn": "BSN", "geboortedatum": "Geboortedatum", "gemeente": "Gemeente"}


@bp.route("/")
@roles_required(*CASE_READERS)
def index() -> str:
    """The inburgeraars in the user's gemeenten; the results part alone for htmx searches."""
    args = {
        "q": request.args.get("q", "").strip()[:100],
        "gemeente": int_arg(request.args.get("gemeente")),
        "doelgroep": choice_arg(request.args.get("doelgroep"), Doelgroep._value2member_map_),
        "leerroute": request.args.get("leerroute", ""),
        "mijn": "1" if request.args.get("mijn") == "1" and current_user.rol is Rol.KLANTREGISSEUR else "",
        "sort": request.args.get("sort", "naam"),
    }
    if args["leerroute"] not in ("B", "O", "Z", *(waarde for waarde, _ in overzichten.GEEN_PIP_KEUZES)):
        args["leerroute"] = ""
    query, args["sort"] = overzichten.inburgeraars(current_user, overzichten.InburgeraarFilters(
        zoek=args["q"], gemeente_id=args["gemeente"], doelgroep=args["doelgroep"], leerroute=args["leerroute"],
        klantregisseur_id=current_user.id if args["mijn"] else None, sort=args["sort"],
    ))
    page = paginate(db.session, query, page_number(request.args.get(PAGE_PARAM)), args=args)
    html = render_list("inburgeraars", {"page": page, "args": args, "sort_labels": SORT_LABELS}, lambda: {
        "gemeenten": list(db.session.scalars(access.gemeenten(current_user))),
        "doelgroepen": Doelgroep.choices(),
        "leerroutes": [*Leerroute.choices(), *overzichten.GEEN_PIP_KEUZES],
        "may_manage": access.may_manage_cases(current_user),
    })
    record_shown("inburgeraars_lijst", (i.id for i in page.items), pagina=page.number)
    return html


@bp.route("/<int:inburgeraar_id>")
@roles_required(*CASE_READERS)
def detail(inburgeraar_id: int) -> str:
    """The case page: signals, personal data, PIP, verwijzingen, hours, attendance, results with the afschaling
    decision, intake (klantregisseur only) and the timeline; one audit event per view."""
    # The user itself, not the request-local proxy: the page's services read its id and role for every statement.
    user = current_user._get_current_object()
    geopend = dossier.open_case(db.session, user, inburgeraar_id)
    if geopend is None:
        abort(404)
    inburgeraar = geopend.inburgeraar
    inhoud = dossier.read(db.session, user, inburgeraar, today=clock.today(),
                          tijdlijn_pagina=page_number(request.args.get("tijdlijn")), intake=geopend.intake,
                          zonder=geopend.zonder, drempels=geopend.drempels)
    db.session.commit()
    return render_template(
        "inburgeraars/detail.html",
        inburgeraar=inburgeraar,
        pips=list(reversed(inburgeraar.pips)),
        case=inhoud.case,
        verwijzingen=inhoud.verwijzingen,
        cijfers=inhoud.cijfers,
        voortgang=inhoud.voortgang,
        totalen=inhoud.totalen,
        registraties=inhoud.registraties,
        weken=inhoud.weken,
        aanwezigheid_rijen=weergave.aanwezigheid_rijen(inhoud.weken),
        grafiek=inhoud.grafiek,
        grafiek_beschrijving=inhoud.grafiek_beschrijving,
        gebeurtenissen=inhoud.gebeurtenissen,
        tijdlijn_regels=weergave.tijdlijn_regels(inhoud.gebeurtenissen, inburgeraar.id),
        tijdlijn_pagina=inhoud.tijdlijn_pagina,
        tijdlijn_weken=inhoud.tijdlijn_weken,
        tijdlijn_ouder=inhoud.tijdlijn_ouder,
        tijdlijn_aantal_weken=tijdlijn.TIJDLIJN_WEKEN,
        intake=inhoud.intake,
        te_besluiten=inhoud.te_besluiten,
        # The registraties blueprint's own form; it posts there and comes back here afterwards.
        besluit_form=BesluitForm(formdata=None) if inhoud.te_besluiten else None,
        # Its verwijzing as the page read it (a plain row, not in the session): nothing is loaded while rendering.
        besluit_verwijzing=next((v for v in inhoud.verwijzingen if v.id == inhoud.te_besluiten.verwijzing_id),
                                None) if inhoud.te_besluiten else None,
        # From the exam results the page read already: the page loads nothing more after its audit event.
        besluit_waarschuwing=afschaling.waarschuwing(
            db.session, inhoud.te_besluiten, inhoud.registraties.examenresultaten) if inhoud.te_besluiten else None,
        next_url=id_url("inburgeraars.detail", inburgeraar_id=inburgeraar.id) + "#kop-registraties-afschaling",
        may_see_intake=access.may_see_intake(user),
        may_manage=access.may_manage_cases(user),
        may_withdraw_pip=access.may_withdraw_pip(user),
        leerroute_uiterlijk=inburgeraar.leerroute_wijzigen_uiterlijk,
    )


@bp.route("/nieuw", methods=["GET", "POST"])
@roles_required(*CASE_MANAGERS)
def nieuw() -> tuple[str, int] | Response:
    """Register a new inburgeraar in one of the user's gemeenten."""
    form = InburgeraarForm()
    gemeenten = list(db.session.scalars(access.gemeenten(current_user)))
    form.gemeente_id.choices = choices([("", "Kies de gemeente")] + [(str(g.id), g.naam) for g in gemeenten])
    form.klantregisseur_id.choices = choices([("", "Nog geen klantregisseur")] + [
        (str(u.id), f"{u.naam} ({', '.join(g.naam for g in u.gemeenten)})")
        for u in db.session.scalars(access.klantregisseurs(current_user))
    ])
    if request.method == "GET":
        if len(gemeenten) == 1:
            form.gemeente_id.data = str(gemeenten[0].id)
        if current_user.rol is Rol.KLANTREGISSEUR:
            form.klantregisseur_id.data = str(current_user.id)
    done = save_form(
        form, lambda: cases.create_inburgeraar(db.session, current_user, input_from(cases.InburgeraarInput, form)),
        "De inburgeraar is geregistreerd.",
        lambda inburgeraar: url_for("inburgeraars.detail", inburgeraar_id=inburgeraar.id),
    )
    return done or form_page("inburgeraars/nieuw.html", form)


@bp.route("/<int:inburgeraar_id>/pip/nieuw", methods=["GET", "POST"])
@roles_required(*CASE_MANAGERS)
def pip_nieuw(inburgeraar_id: int) -> tuple[str, int] | Response:
    """Record the first PIP or a new version of it."""
    inburgeraar = access.get_inburgeraar_or_404(current_user, inburgeraar_id)
    huidige = inburgeraar.huidige_pip
    form = PipForm()
    if huidige is not None:
        form.reden_wijziging.flags.required = True  # from the second version on (checked by the service)
    if request.method == "GET" and huidige is not None:
        form.leerroute.data = huidige.leerroute.value
        form.niveau.data = huidige.niveau.value if huidige.niveau else ""
        form.geschatte_intensiteit.data = str(huidige.geschatte_intensiteit or "")
        form.indicator_alfabetisering.data = huidige.indicator_alfabetisering.value \
            if huidige.indicator_alfabetisering else ""
        afmaken = huidige.indicator_mag_opleiding_afmaken
        form.indicator_mag_opleiding_afmaken.data = "" if afmaken is None else ("ja" if afmaken else "nee")
    done = save_form(
        form, lambda: cases.record_pip(db.session, current_user, inburgeraar, input_from(cases.PipInput, form)),
        lambda pip: f"Versie {pip.versie} van het PIP is vastgelegd.",
        url_for("inburgeraars.detail", inburgeraar_id=inburgeraar.id),
    )
    return done or form_page(
        "inburgeraars/pip.html", form, inburgeraar=inburgeraar, huidige=huidige,
        leerroute_uiterlijk=inburgeraar.leerroute_wijzigen_uiterlijk,
    )


@bp.route("/<int:inburgeraar_id>/verwijzingen/nieuw", methods=["GET", "POST"])
@roles_required(*CASE_MANAGERS)
def verwijzing_nieuw(inburgeraar_id: int) -> tuple[str, int] | Response:
    """Refer the inburgeraar to an aanbieder under a contract covering its gemeente."""
    inburgeraar = access.get_inburgeraar_or_404(current_user, inburgeraar_id)
    form = VerwijzingForm()
    contracten = cases.contracten_voor(db.session, current_user, inburgeraar)
    form.contract_id.choices = choices([("", "Kies aanbieder en contract")] + [
        (str(c.id), f"{c.aanbieder.naam} – {c.naam} ({c.kenmerk})") for c in contracten
    ])
    form.onderdeel.choices = choices([("", "Kies het onderdeel")] + [
        (o.value, o.label) for o in cases.passende_onderdelen(inburgeraar)
    ])
    done = save_form(
        form, lambda: cases.create_verwijzing(db.session, current_user, inburgeraar,
                                              input_from(cases.VerwijzingInput, form)),
        lambda verwijzing: f"Verwijzing {verwijzing.kenmerk} naar {verwijzing.aanbieder.naam} is gemaakt.",
        url_for("inburgeraars.detail", inburgeraar_id=inburgeraar.id),
    )
    return done or form_page("inburgeraars/verwijzing.html", form, inburgeraar=inburgeraar, contracten=contracten)
