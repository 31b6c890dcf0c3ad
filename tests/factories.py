"""factory_boy factories for the domain model; the session is set by the `db` fixture."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import factory
import pyotp
from stdnum.nl import bsn as stdnum_bsn

from portal.models import (
    Aanbieder,
    Afschalingsverzoek,
    AfschalingsverzoekOnderdeel,
    ApiClient,
    ApiToken,
    AuditEvent,
    AuditGezien,
    BillingRun,
    Contract,
    ContractBudget,
    ContractOnderdeel,
    ContractSignaalDrempels,
    Declaratie,
    DeclaratieRegel,
    Examenresultaat,
    Gemeente,
    Inburgeraar,
    IntakeGegevens,
    KostenTotaal,
    KpiJaarInstelling,
    MailModus,
    MailOutbox,
    MailVoorkeur,
    Melding,
    MeldingSoort,
    OmstandighedenMelding,
    Pip,
    Prestatie,
    PrestatieIndicator,
    RegistratieWijziging,
    RouteResultaat,
    SignaalDrempels,
    SignaalStand,
    Tarief,
    Upload,
    UploadSoort,
    UploadStatus,
    User,
    UserSession,
    Verwijzing,
    Voortgangsrapportage,
)
from portal.models.base import utcnow
from portal.models.billing import DeclaratieStatus, Eenheid, IndicatorSoort, Trigger
from portal.models.enums import AanbiederSoort, Doelgroep, Leerroute, NiveauPip, Onderdeel, Rol
from portal.models.resultaat import (
    AfschalingStatus,
    Examenniveau,
    Examenonderdeel,
    Examenuitslag,
    OmstandighedenSoort,
    ResultaatBron,
)
from portal.models.traject import Activiteit, Presentie, PresentieTotaal, PresentieWeek, TrajectStart
from portal.services import kept_totals
from portal.services.api_clients import AANBIEDER_SCOPES, hash_secret
from portal.services.auth import hash_password

PASSWORD = "correct horse battery staple"
GEZONDHEID = "Chronische rugklachten; kan niet lang zitten."  # intake health text tests look for
CLIENT_SECRET = "test-client-secret-of-a-studentadministratie"
_PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose; hash once for the suite
_bsn_counter = count(100000)


def next_bsn() -> str:
    """A fresh BSN that passes the 11-proef."""
    while True:
        candidate = f"{next(_bsn_counter):08d}"
        for last in range(10):
            value = candidate + str(last)
            if stdnum_bsn.is_valid(value):
                return value


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    """Flushes after create so ids exist; the test transaction is rolled back afterwards."""

    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


class GemeenteFactory(BaseFactory):
    class Meta:
        model = Gemeente

    cbs_code = factory.Sequence(lambda n: f"{9000 + n:04d}"[-4:])
    naam = factory.Sequence(lambda n: f"Gemeente {n}")


class AanbiederFactory(BaseFactory):
    class Meta:
        model = Aanbieder

    kvk_nummer = factory.Sequence(lambda n: f"{70000000 + n:08d}")
    naam = factory.Sequence(lambda n: f"Taalschool {n}")
    soort = AanbiederSoort.TAAL


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"gebruiker{n}@example.nl")
    naam = factory.Sequence(lambda n: f"Medewerker {n}")
    rol = Rol.KLANTREGISSEUR
    password_hash = _PASSWORD_HASH
    totp_secret = factory.LazyFunction(pyotp.random_base32)
    totp_bevestigd = True

    @factory.post_generation
    def gemeenten(self, create, extracted, **kwargs):
        if extracted:
            self.gemeenten.extend(extracted)


class ContractFactory(BaseFactory):
    class Meta:
        model = Contract

    kenmerk = factory.Sequence(lambda n: f"C-{n:05d}")
    naam = factory.Sequence(lambda n: f"Contract {n}")
    aanbieder = factory.SubFactory(AanbiederFactory)
    startdatum = factory.LazyFunction(lambda: date.today() - timedelta(days=365))
    einddatum = factory.LazyFunction(lambda: date.today() + timedelta(days=3 * 365))

    @factory.post_generation
    def gemeenten(self, create, extracted, **kwargs):
        if extracted:
            self.gemeenten.extend(extracted)

    @factory.post_generation
    def onderdelen(self, create, extracted, **kwargs):
        for onderdeel in extracted or list(Onderdeel):
            self.onderdeel_regels.append(ContractOnderdeel(onderdeel=onderdeel))


class InburgeraarFactory(BaseFactory):
    class Meta:
        model = Inburgeraar

    bsn = factory.LazyFunction(next_bsn)
    voornamen = factory.Sequence(lambda n: f"Voornaam{n}")
    achternaam = factory.Sequence(lambda n: f"Achternaam{n}")
    geboortedatum = date(1990, 5, 17)
    doelgroep = Doelgroep.ASIELSTATUSHOUDER
    gemeente = factory.SubFactory(GemeenteFactory)
    datum_kennisgeving = factory.LazyFunction(lambda: date.today() - timedelta(days=200))


class IntakeGegevensFactory(BaseFactory):
    class Meta:
        model = IntakeGegevens

    inburgeraar = factory.SubFactory(InburgeraarFactory)
    gezondheid = GEZONDHEID
    opleidingsniveau = "Middelbare school in land van herkomst"


class PipFactory(BaseFactory):
    class Meta:
        model = Pip

    inburgeraar = factory.SubFactory(InburgeraarFactory)
    versie = 1
    dagtekening = factory.LazyFunction(lambda: date.today() - timedelta(days=150))
    leerroute = Leerroute.B
    niveau = NiveauPip.B1
    geschatte_intensiteit = 1200


class VerwijzingFactory(BaseFactory):
    class Meta:
        model = Verwijzing

    kenmerk = factory.Sequence(lambda n: f"V-{n:06d}")
    inburgeraar = factory.SubFactory(InburgeraarFactory)
    contract = factory.SubFactory(ContractFactory)
    aanbieder = factory.SelfAttribute("contract.aanbieder")
    onderdeel = Onderdeel.B1_ROUTE
    beoogde_startdatum = factory.LazyFunction(lambda: date.today() - timedelta(days=100))
    uiterste_einddatum = factory.LazyFunction(lambda: date.today() + timedelta(days=600))
    gecontracteerde_uren = Decimal("600")


class TrajectStartFactory(BaseFactory):
    class Meta:
        model = TrajectStart

    verwijzing = factory.SubFactory(VerwijzingFactory)
    gerealiseerde_startdatum = factory.SelfAttribute("verwijzing.beoogde_startdatum")
    niet_gestart = False


class PresentieFactory(BaseFactory):
    class Meta:
        model = Presentie

    verwijzing = factory.SubFactory(VerwijzingFactory)
    datum = factory.LazyFunction(lambda: date.today() - timedelta(days=7))
    activiteit = Activiteit.TAALLES_KNM
    uren_aanwezig = Decimal("3.00")
    uren_afwezig_geoorloofd = Decimal("0.00")
    uren_afwezig_ongeoorloofd = Decimal("0.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """A stored session as the presentie service leaves it: counted into the kept totals."""
        obj = super()._create(model_class, *args, **kwargs)
        uren = (Decimal(obj.uren_aanwezig), Decimal(obj.uren_afwezig_geoorloofd),
                Decimal(obj.uren_afwezig_ongeoorloofd))
        kept_totals.record(cls._meta.sqlalchemy_session,
                           [kept_totals.Wijziging(obj.verwijzing_id, obj.activiteit, obj.datum, None, uren)])
        return obj


class PresentieTotaalFactory(BaseFactory):
    """Kept totals only; in tests, PresentieFactory keeps them from the sessions it stores."""

    class Meta:
        model = PresentieTotaal

    class Params:
        verwijzing = factory.SubFactory(VerwijzingFactory)

    verwijzing_id = factory.SelfAttribute("verwijzing.id")
    activiteit = Activiteit.TAALLES_KNM
    uren_aanwezig = Decimal("3.00")
    aantal = 1
    laatste_datum = factory.LazyFunction(lambda: date.today() - timedelta(days=7))


class PresentieWeekFactory(BaseFactory):
    class Meta:
        model = PresentieWeek

    class Params:
        verwijzing = factory.SubFactory(VerwijzingFactory)

    verwijzing_id = factory.SelfAttribute("verwijzing.id")
    activiteit = Activiteit.TAALLES_KNM
    week = factory.LazyFunction(lambda: date.today() - timedelta(days=date.today().weekday() + 7))
    uren_aanwezig = Decimal("3.00")
    aantal = 1


class ContractOnderdeelFactory(BaseFactory):
    class Meta:
        model = ContractOnderdeel

    contract = factory.SubFactory(ContractFactory, onderdelen=[Onderdeel.PVT])
    onderdeel = Onderdeel.B1_ROUTE


class UserSessionFactory(BaseFactory):
    class Meta:
        model = UserSession

    id = factory.Sequence(lambda n: f"sessie-{n:08d}")
    user = factory.SubFactory(UserFactory)


class VoortgangsrapportageFactory(BaseFactory):
    class Meta:
        model = Voortgangsrapportage

    verwijzing = factory.SubFactory(VerwijzingFactory)
    peildatum = factory.LazyFunction(lambda: date.today() - timedelta(days=3))
    motivatie = "Komt elke les, werkt actief mee."
    voortgang = "Leest korte teksten en schrijft een eenvoudige e-mail."


class OmstandighedenMeldingFactory(BaseFactory):
    class Meta:
        model = OmstandighedenMelding

    verwijzing = factory.SubFactory(VerwijzingFactory)
    inburgeraar_id = factory.SelfAttribute("verwijzing.inburgeraar_id")
    aanbieder_id = factory.SelfAttribute("verwijzing.aanbieder_id")
    soort = OmstandighedenSoort.VERHUIZING
    datum = factory.LazyFunction(date.today)
    toelichting = "Verhuist binnen de gemeente."


class AfschalingsverzoekFactory(BaseFactory):
    """A waiting request on a B1-route verwijzing for writing and speaking (SC, SP)."""

    class Meta:
        model = Afschalingsverzoek

    verwijzing = factory.SubFactory(VerwijzingFactory)
    inburgeraar_id = factory.SelfAttribute("verwijzing.inburgeraar_id")
    status = AfschalingStatus.INGEDIEND
    observaties_aanbieder = "Zeer gemotiveerd, schrijven blijft moeilijk."
    ervaring_inburgeraar = "Wil graag verder, maar schrijven lukt niet."
    uren_op_moment = Decimal("612.00")

    @factory.post_generation
    def onderdelen(self, create, extracted, **kwargs):
        for onderdeel in extracted or (Examenonderdeel.SC, Examenonderdeel.SP):
            self.onderdeel_regels.append(AfschalingsverzoekOnderdeel(onderdeel=onderdeel))


class AfschalingsverzoekOnderdeelFactory(BaseFactory):
    class Meta:
        model = AfschalingsverzoekOnderdeel

    verzoek = factory.SubFactory(AfschalingsverzoekFactory, onderdelen=[Examenonderdeel.SP])
    onderdeel = Examenonderdeel.SC


class ExamenresultaatFactory(BaseFactory):
    class Meta:
        model = Examenresultaat

    verwijzing = factory.SubFactory(VerwijzingFactory)
    inburgeraar_id = factory.SelfAttribute("verwijzing.inburgeraar_id")
    onderdeel = Examenonderdeel.LE
    niveau = Examenniveau.B1
    resultaat = Examenuitslag.GESLAAGD
    examendatum = factory.LazyFunction(lambda: date.today() - timedelta(days=5))
    bron = ResultaatBron.AANBIEDER


class RouteResultaatFactory(BaseFactory):
    """The eindgesprek of a MAP verwijzing."""

    class Meta:
        model = RouteResultaat

    verwijzing = factory.SubFactory(VerwijzingFactory, onderdeel=Onderdeel.MAP)
    inburgeraar_id = factory.SelfAttribute("verwijzing.inburgeraar_id")
    datum_eindgesprek_map = factory.LazyFunction(lambda: date.today() - timedelta(days=2))


class KpiJaarInstellingFactory(BaseFactory):
    """A gemeente's SPUK amount and KPI target for one year."""

    class Meta:
        model = KpiJaarInstelling

    gemeente_id = factory.LazyAttribute(lambda _o: GemeenteFactory().id)
    jaar = 2026
    spuk_bedrag_cent = 5_230_100
    streef_start_6_maanden_pct = 80


class SignaalDrempelsFactory(BaseFactory):
    """A gemeente's own thresholds (the model's defaults unless given)."""

    class Meta:
        model = SignaalDrempels

    gemeente_id = factory.LazyAttribute(lambda _o: GemeenteFactory().id)


class SignaalStandFactory(BaseFactory):
    """A kept signal row only; in tests, every commit keeps them from the case's figures (kept_signalen)."""

    class Meta:
        model = SignaalStand

    class Params:
        inburgeraar = factory.SubFactory(InburgeraarFactory)

    inburgeraar_id = factory.SelfAttribute("inburgeraar.id")
    met_gezondheid = True
    hoogste_ernst = 0
    aantal = 0
    codes = ""
    samenvatting = ""
    geldig_van = factory.LazyFunction(date.today)
    geldig_tot = factory.LazyFunction(lambda: date.today() + timedelta(days=1))


class ContractSignaalDrempelsFactory(BaseFactory):
    class Meta:
        model = ContractSignaalDrempels

    contract_id = factory.LazyAttribute(lambda _o: ContractFactory().id)
    aanwezigheid_min_pct = 90


class MeldingFactory(BaseFactory):
    class Meta:
        model = Melding

    user_id = factory.LazyAttribute(lambda _o: UserFactory().id)
    kind = MeldingSoort.EXAMENRESULTAAT
    inburgeraar_id = factory.LazyAttribute(lambda _o: InburgeraarFactory().id)
    text = "Nieuw examenresultaat geregistreerd"


class MailVoorkeurFactory(BaseFactory):
    class Meta:
        model = MailVoorkeur

    user_id = factory.LazyAttribute(lambda _o: UserFactory().id)
    modus = MailModus.DAGELIJKS


class MailOutboxFactory(BaseFactory):
    class Meta:
        model = MailOutbox

    to_address = factory.Sequence(lambda n: f"ontvanger{n}@example.nl")
    subject = "Nieuwe melding in het portaal"
    body = "Er is een nieuwe melding. Log in om de details te zien."


class UploadFactory(BaseFactory):
    """A previewed presence upload of one aanbieder-medewerker (the file itself is not written)."""

    class Meta:
        model = Upload

    user = factory.SubFactory(UserFactory, rol=Rol.AANBIEDER_MEDEWERKER,
                              aanbieder=factory.SubFactory(AanbiederFactory))
    aanbieder_id = factory.SelfAttribute("user.aanbieder_id")
    soort = UploadSoort.PRESENTIE
    bestandsnaam = "presentie.xlsx"
    opgeslagen_naam = factory.Sequence(lambda n: f"{n:040x}.xlsx")
    bestandstype = "xlsx"
    grootte = 4096
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    status = UploadStatus.PREVIEWED
    aantal_rijen = 3
    aantal_nieuw = 3


class RegistratieWijzigingFactory(BaseFactory):
    class Meta:
        model = RegistratieWijziging

    object_type = "presentie"
    object_id = 1
    veld = "uren_aanwezig"
    oude_waarde = "3.00"
    nieuwe_waarde = "2.50"
    bron = "web"


class AuditEventFactory(BaseFactory):
    class Meta:
        model = AuditEvent

    action = "bekeken"
    object_type = "inburgeraar"
    result = "ok"
    origin = "web"


class AuditGezienFactory(BaseFactory):
    """An inburgeraar shown by a list-reading event (a real event and a real inburgeraar by default)."""

    class Meta:
        model = AuditGezien

    audit_event_id = factory.LazyAttribute(
        lambda _o: AuditEventFactory(action="overzicht_bekeken", object_type="regie_overzicht").id)
    inburgeraar_id = factory.LazyAttribute(lambda _o: InburgeraarFactory().id)


class ApiClientFactory(BaseFactory):
    class Meta:
        model = ApiClient

    client_id = factory.Sequence(lambda n: f"ic_test{n:06d}")
    naam = factory.Sequence(lambda n: f"Studentadministratie {n}")
    secret_hash = factory.LazyFunction(lambda: hash_secret(CLIENT_SECRET))
    aanbieder = factory.SubFactory(AanbiederFactory)
    scopes = " ".join(AANBIEDER_SCOPES)
    verloopt_op = factory.LazyFunction(lambda: utcnow() + timedelta(days=365))


class ApiTokenFactory(BaseFactory):
    class Meta:
        model = ApiToken

    token_hash = factory.Sequence(lambda n: hash_secret(f"token-{n}"))
    client = factory.SubFactory(ApiClientFactory)
    scopes = factory.SelfAttribute("client.scopes")
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(minutes=15))
# --- billing ------------------------------------------------------------------------------------------

class PrestatieIndicatorFactory(BaseFactory):
    """Hours present in taalles per month on the B1-route, paid per hour."""

    class Meta:
        model = PrestatieIndicator

    contract = factory.SubFactory(ContractFactory)
    code = factory.Sequence(lambda n: f"UUR{n}")
    naam = "Uren taalles B1-route"
    onderdeel = Onderdeel.B1_ROUTE
    soort = IndicatorSoort.INSPANNING
    trigger = Trigger.UREN_AANWEZIG
    activiteit = Activiteit.TAALLES_KNM


class TariefFactory(BaseFactory):
    class Meta:
        model = Tarief

    indicator = factory.SubFactory(PrestatieIndicatorFactory)
    geldig_vanaf = date(2021, 1, 1)
    bedrag_cent = 1250
    eenheid = Eenheid.UUR
    fictief = True


class ContractBudgetFactory(BaseFactory):
    class Meta:
        model = ContractBudget

    contract_id = factory.LazyAttribute(lambda _o: ContractFactory().id)
    gemeente_id = factory.LazyAttribute(lambda _o: GemeenteFactory().id)
    jaar = 2026
    bedrag_cent = 5_000_000


class PrestatieFactory(BaseFactory):
    class Meta:
        model = Prestatie

    verwijzing = factory.SubFactory(VerwijzingFactory)
    indicator = factory.SubFactory(PrestatieIndicatorFactory, contract=factory.SelfAttribute("..verwijzing.contract"))
    periode = "2026-11"
    inburgeraar_id = factory.SelfAttribute("verwijzing.inburgeraar_id")
    gemeente_id = factory.SelfAttribute("verwijzing.inburgeraar.gemeente_id")
    prestatiedatum = date(2026, 11, 30)
    aantal = Decimal("12.00")


class DeclaratieFactory(BaseFactory):
    class Meta:
        model = Declaratie

    contract = factory.SubFactory(ContractFactory)
    nummer = factory.Sequence(lambda n: f"D-{n:05d}")
    aanbieder_id = factory.SelfAttribute("contract.aanbieder_id")
    gemeente_id = factory.LazyAttribute(lambda _o: GemeenteFactory().id)
    periode = "2026-11"
    periode_van = date(2026, 11, 1)
    periode_tot = date(2026, 11, 30)
    status = DeclaratieStatus.CONCEPT
    # A submitted one keeps its contract's termijn, as declaraties.submit stores it.
    declaratietermijn_dagen = factory.LazyAttribute(
        lambda o: None if o.status is DeclaratieStatus.CONCEPT else o.contract.declaratietermijn_dagen)


def _regel_datum(regel_id: int) -> date:
    """The prestatiedatum of a stored regel (the one a credit regel credits)."""
    regel = DeclaratieRegelFactory._meta.sqlalchemy_session.get(DeclaratieRegel, regel_id)
    return regel.prestatiedatum


class DeclaratieRegelFactory(BaseFactory):
    class Meta:
        model = DeclaratieRegel

    prestatie = factory.SubFactory(PrestatieFactory)
    declaratie = factory.SubFactory(DeclaratieFactory,
                                    contract=factory.SelfAttribute("..prestatie.verwijzing.contract"))
    tarief_id = factory.LazyAttribute(lambda o: TariefFactory(indicator=o.prestatie.indicator).id)
    eenheid = Eenheid.UUR
    aantal = Decimal("12.00")
    tarief_cent = 1250
    bedrag_cent = 15000
    credit_van_regel_id = None
    # Declared with its prestatie's date, as the billing service does (a credit: the credited regel's date).
    prestatiedatum = factory.LazyAttribute(lambda o: o.prestatie.prestatiedatum if o.credit_van_regel_id is None else
                                           _regel_datum(o.credit_van_regel_id))


class KostenTotaalFactory(BaseFactory):
    """A kept cost total; consistent with the regels only when made through the services (see kosten_totalen)."""

    class Meta:
        model = KostenTotaal

    class Params:
        indicator = factory.SubFactory(PrestatieIndicatorFactory)

    indicator_id = factory.SelfAttribute("indicator.id")
    contract_id = factory.SelfAttribute("indicator.contract_id")
    gemeente_id = factory.LazyAttribute(lambda _o: GemeenteFactory().id)
    jaar = 2026
    gedeclareerd_cent = 15000
    goedgekeurd_cent = 0


class BillingRunFactory(BaseFactory):
    class Meta:
        model = BillingRun

    contract_id = factory.LazyAttribute(lambda _o: ContractFactory().id)
    periode = "2026-11"
    gestart_op = factory.LazyFunction(utcnow)
    peilmoment = factory.LazyAttribute(lambda o: o.gestart_op)


ALL_FACTORIES = [
    PresentieTotaalFactory,
    PresentieWeekFactory,
    GemeenteFactory,
    AanbiederFactory,
    UserFactory,
    ContractFactory,
    InburgeraarFactory,
    IntakeGegevensFactory,
    PipFactory,
    VerwijzingFactory,
    TrajectStartFactory,
    PresentieFactory,
    ContractOnderdeelFactory,
    UserSessionFactory,
    VoortgangsrapportageFactory,
    OmstandighedenMeldingFactory,
    AfschalingsverzoekFactory,
    AfschalingsverzoekOnderdeelFactory,
    ExamenresultaatFactory,
    RouteResultaatFactory,
    SignaalDrempelsFactory,
    SignaalStandFactory,
    KpiJaarInstellingFactory,
    ContractSignaalDrempelsFactory,
    MeldingFactory,
    MailVoorkeurFactory,
    MailOutboxFactory,
    UploadFactory,
    RegistratieWijzigingFactory,
    AuditEventFactory,
    AuditGezienFactory,
    ApiClientFactory,
    ApiTokenFactory,
    PrestatieIndicatorFactory,
    TariefFactory,
    ContractBudgetFactory,
    PrestatieFactory,
    DeclaratieFactory,
    DeclaratieRegelFactory,
    BillingRunFactory,
    KostenTotaalFactory,
]

# The chain's factories (verhuizing, DUO berichten, handhaving, CBS) live in their own module.
from tests.factories_chain import CHAIN_FACTORIES  # noqa: E402

ALL_FACTORIES += CHAIN_FACTORIES
