"""The demo shows every feature to every demo login, in believable proportions: afschalingsverzoeken waiting and
decided for B1-route deelnemers past 600 hours, results, omstandigheden, meldingen read and unread, a confirmed
upload and one with errors, a few deelnemers without presence last week on each provider's start page, and
"Actie nodig" for at most about a quarter of a caseload."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import Melding, Upload, User
from portal.models.resultaat import (
    AfschalingStatus,
    Afschalingsverzoek,
    Examenresultaat,
    Examenuitslag,
    OmstandighedenMelding,
    RouteResultaat,
)
from portal.models.upload import UploadStatus
from portal.services import signalen, startpagina, totals
from portal.services.signalen import Ernst
from tests.demo import TODAY


def _user(db, email: str) -> User:
    return db.scalar(select(User).where(User.email == email))


def test_demo_shows_every_feature_in_believable_proportions(app, app_ctx, db, tmp_path, monkeypatch):

    verzoeken = db.scalars(select(Afschalingsverzoek)).all()
    per_status = {s: [v for v in verzoeken if v.status is s] for s in AfschalingStatus}
    assert len(per_status[AfschalingStatus.INGEDIEND]) >= 3
    assert per_status[AfschalingStatus.GOEDGEKEURD] and per_status[AfschalingStatus.AFGEWEZEN]
    # Every request was possible: 600 hours or more of taalles+KNM, counted as the request form counts them.
    assert all(totals.taalles_knm_uren(db, v.inburgeraar_id) >= 600 for v in verzoeken)
    assert all(v.pip is not None and v.pip.niveau.value == "A2" for v in per_status[AfschalingStatus.GOEDGEKEURD])
    # No request names a part its inburgeraar had already passed at B1 or higher (by DUO or a provider).
    for v in verzoeken:
        geslaagd = db.scalars(select(Examenresultaat).where(
            Examenresultaat.inburgeraar_id == v.inburgeraar_id, Examenresultaat.resultaat == Examenuitslag.GESLAAGD,
            Examenresultaat.examendatum <= v.ingediend_op.date()))
        behaald = {(e.onderdeel, e.niveau.value if e.niveau else None) for e in geslaagd}
        assert not {(o, n) for o in v.onderdelen for n in ("B1", "B2")} & behaald, f"verzoek {v.id}"

    uitslagen = {e.resultaat for e in db.scalars(select(Examenresultaat))}
    assert {Examenuitslag.GESLAAGD, Examenuitslag.GEZAKT} <= uitslagen
    assert db.scalars(select(RouteResultaat)).first() is not None
    assert db.scalars(select(OmstandighedenMelding)).first() is not None

    for email in ("klantregisseur@werksaam.example.nl", "klantregisseur@dalfsen.example.nl",
                  "docent@omringdijk.example.nl"):
        gelezen = {m.read_at is not None for m in db.scalars(select(Melding).where(
            Melding.user_id == _user(db, email).id))}
        assert gelezen == {True, False}, f"{email}: meldingen gelezen en ongelezen"

    uploads = db.scalars(select(Upload)).all()
    assert any(u.status is UploadStatus.CONFIRMED and u.aantal_nieuw > 0 for u in uploads)
    assert any(u.status is UploadStatus.PREVIEWED and u.aantal_fout > 0 and u.fouten for u in uploads)

    for email in ("klantregisseur@werksaam.example.nl", "klantregisseur@dalfsen.example.nl"):
        cases = signalen.caseload(db, _user(db, email), today=TODAY)
        actie = [c for c in cases if c.hoogste_ernst >= Ernst.HOOG]
        assert len(actie) <= 0.27 * len(cases), f"{email}: {len(actie)} van {len(cases)} met Actie nodig"
        assert any(c.afschaling_open for c in cases), f"{email}: een afschalingsverzoek wacht"
    # Each provider's start page has a few deelnemers whose last week is not registered yet; De Brug has more: most
    # of its are in the export waiting in its uploads (demo_uploads), which it has not confirmed yet.
    for email, hoogstens in (("docent@omringdijk.example.nl", 5), ("begeleider@debrug.example.nl", 12)):
        zonder = startpagina.zonder_presentie(db, _user(db, email), TODAY)
        assert 2 <= zonder <= hoogstens, f"{email}: {zonder} deelnemers zonder presentie vorige week"
    # The regie list's aanbieders differ from row to row.
    combinaties = {tuple(c.aanbieders) for c in signalen.caseload(
        db, _user(db, "klantregisseur@werksaam.example.nl"), today=TODAY)}
    assert len(combinaties) >= 4
