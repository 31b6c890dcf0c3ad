"""The beleidsrapportage per gemeente and period: counts, status, progress, in- and outflow per doelgroep and
leerroute (000 §2.4, 001 halfjaarrapportage). Aggregates only: no names, BSNs or ids leave this module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.domain import kpi
from portal.domain.kpi import KpiGegevens, KpiResultaat, Rij
from portal.domain.perioden import Periode
from portal.models.enums import Doelgroep, Leerroute, Onderdeel, VerwijzingStatus

# Every table reads the PIP in force on the peildatum (KpiInburgeraar.leerroute, portal.domain.pip.van_kracht): none
# when no PIP was set yet or the one set was withdrawn, so the route tables and the status table count the same people.
GEEN_PIP = "Geen PIP van kracht"
ROUTE_KOLOMMEN = [r.label for r in Leerroute] + [GEEN_PIP]
KERN_CODES = ("start_6_maanden", "tijdige_start", "aanwezigheid", "uitval", "afronding", "examens")


@dataclass(frozen=True)
class Tabel:
    """A table of counts: rows by label, a total row and column added."""

    titel: str
    uitleg: str
    kolommen: list[str]
    rijen: list[tuple[str, list[int]]]

    @property
    def met_totalen(self) -> list[tuple[str, list[int]]]:
        rows = [(label, [*values, sum(values)]) for label, values in self.rijen]
        totaal = [sum(values[i] for _, values in rows) for i in range(len(self.kolommen) + 1)]
        return [*rows, ("Totaal", totaal)]


@dataclass
class Beleidsrapportage:
    gemeente: str
    periode: Periode
    peildatum: date
    tabellen: list[Tabel]
    kern: list[KpiResultaat]

    @property
    def kern_rijen(self) -> list[tuple[str, Rij]]:
        """The key indicators' rows the page and the xlsx show, labelled: every share over at least one unit (the
        many empty exam rows left out), then the attendance percentage."""
        rijen = [(f"{r.titel}: {rij.label}", rij) for r in self.kern for rij in r.rijen
                 if rij.aandeel is not None and rij.omvang]
        rijen += [("Aanwezigheid", r.hoofd) for r in self.kern if r.code == "aanwezigheid"]
        return rijen


def _route(leerroute: Leerroute | None) -> str:
    return leerroute.label if leerroute else GEEN_PIP


def opstellen(
    g: KpiGegevens, gemeente: str, periode: Periode, vandaag: date, streef_6_maanden: int
) -> Beleidsrapportage:
    """All tables of the report from the KPI records of one gemeente."""
    peildatum = periode.peildatum(vandaag)
    doelgroepen = list(Doelgroep)

    def per_doelgroep_route(ids: set[int]) -> list[tuple[str, list[int]]]:
        rows = []
        for d in doelgroepen:
            counts = [sum(1 for i in g.inburgeraars if i.id in ids and i.doelgroep is d and _route(i.leerroute) == k)
                      for k in ROUTE_KOLOMMEN]
            rows.append((d.label, counts))
        return rows

    instroom = {i.id for i in g.inburgeraars if periode.bevat(i.datum_brp_inschrijving)}
    in_beeld = {i.id for i in g.inburgeraars
                if i.datum_brp_inschrijving is None or i.datum_brp_inschrijving <= peildatum}
    in_traject = {v.inburgeraar_id for v in g.verwijzingen
                  if v.onderdeel in kpi.LEERROUTE_ONDERDELEN and v.actief_op(peildatum)}
    statussen = [GEEN_PIP, "PIP van kracht, niet in een leerroute", "In een leerroute"]
    stand_rows = []
    for d in doelgroepen:
        mensen = [i for i in g.inburgeraars if i.id in in_beeld and i.doelgroep is d]
        geen = sum(1 for i in mensen if i.leerroute is None)
        bezig = sum(1 for i in mensen if i.leerroute is not None and i.id in in_traject)
        stand_rows.append((d.label, [geen, len(mensen) - geen - bezig, bezig]))

    onderdelen = list(Onderdeel)
    status_kolommen = [s for s in VerwijzingStatus if s is not VerwijzingStatus.INGETROKKEN]
    lopend = [v for v in g.verwijzingen if v.beoogde_startdatum <= peildatum and v.einddatum >= periode.van]
    voortgang_rows = [
        (o.label, [sum(1 for v in lopend if v.onderdeel is o and v.status is s) for s in status_kolommen])
        for o in onderdelen
    ]
    uitstroom_rows = [
        (o.label, [sum(1 for v in g.verwijzingen if v.onderdeel is o and v.doelgroep is d
                       and periode.bevat(v.resultaat_datum)) for d in doelgroepen])
        for o in (Onderdeel.ONDERWIJSROUTE, Onderdeel.Z_ROUTE_TAAL, Onderdeel.Z_ROUTE_PARTICIPATIE, Onderdeel.MAP,
                  Onderdeel.PVT)
    ]
    tabellen = [
        Tabel("Instroom", "Inburgeraars met een inschrijving in de BRP in de periode, naar doelgroep en de leerroute "
              "van het PIP dat op de peildatum van kracht is (geen: nog geen PIP, of het PIP is ingetrokken).",
              ROUTE_KOLOMMEN, per_doelgroep_route(instroom)),
        Tabel("Aantallen naar leerroute", f"Alle inburgeraars ingeschreven tot en met {peildatum:%d-%m-%Y}, naar "
              "doelgroep en de leerroute van het PIP dat op de peildatum van kracht is.", ROUTE_KOLOMMEN,
              per_doelgroep_route(in_beeld)),
        Tabel("Status op de peildatum", "Inburgeraars naar doelgroep: zonder PIP van kracht (nog geen, of "
              "ingetrokken), met PIP maar (nog) niet in een lopende leerroute, of in een lopende leerroute.",
              statussen, stand_rows),
        Tabel("Voortgang van de trajecten", "Verwijzingen die in de periode liepen, naar onderdeel en status "
              "(status van vandaag).", [s.label for s in status_kolommen], voortgang_rows),
        Tabel("Uitstroom", "Afgeronde onderdelen in de periode (resultaat taalschakeltraject, afronding Z-route, "
              "eindgesprek MAP, ondertekening PVT), naar doelgroep.", [d.label for d in doelgroepen], uitstroom_rows),
    ]
    kern = kpi.bereken(g, periode, vandaag, streef_6_maanden=streef_6_maanden, codes=KERN_CODES)
    return Beleidsrapportage(gemeente, periode, peildatum, tabellen, kern)
