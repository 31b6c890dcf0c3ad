"""Demo: what the beheerders' start pages point at. A docent of Taalcentrum Omringdijk mistyped her password until
her account locked (through the real lockout rule), and the invitation mail to a new klantregisseur of Werksaam
could not be delivered because her address has a typo.

A lock lasts minutes, so every start of the demo (`flask seed-demo`, also on an existing database) locks the account
again when it is no longer locked; the rest is added once (by e-mail address).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Aanbieder, Gemeente, MailOutbox, User
from portal.models.base import utcnow
from portal.models.enums import Rol
from portal.models.melding import MailStatus
from portal.services import auth

GEBLOKKEERD = "s.veenstra@omringdijk.example.nl"
ONBEZORGD = "l.devries@werksaam.exmaple.nl"  # the typo: 'exmaple'


def seed_beheer(session: Session, policy: auth.LoginPolicy) -> dict[str, int]:
    """The locked account and the undelivered mail (each once), then lock the account if it is not locked."""
    added = 0
    docent = session.scalars(select(User).where(User.email == GEBLOKKEERD)).first()
    omringdijk = session.scalars(select(Aanbieder).where(Aanbieder.naam == "Taalcentrum Omringdijk")).first()
    if docent is None and omringdijk is not None:
        docent = _user(GEBLOKKEERD, "Sara Veenstra", Rol.AANBIEDER_MEDEWERKER, aanbieder=omringdijk)
        session.add(docent)
        added += 1
    regisseur = session.scalars(select(User).where(User.email == ONBEZORGD)).first()
    if regisseur is None:
        from portal.demo import WEST_FRIESLAND  # the gemeenten Werksaam works for (as its beheerder's login)

        gemeenten = list(session.scalars(select(Gemeente).where(Gemeente.cbs_code.in_(tuple(WEST_FRIESLAND)))))
        if gemeenten:
            regisseur = _user(ONBEZORGD, "Lotte de Vries", Rol.KLANTREGISSEUR, gemeenten=gemeenten)
            session.add(regisseur)
            session.add(MailOutbox(
                to_address=ONBEZORGD, subject="Uw account voor het Inburgering aanbiedersportaal",
                body="Er is een account voor u aangemaakt. Stel uw wachtwoord in via de link in deze e-mail.",
                status=MailStatus.FAILED, attempts=5,
                last_error="550 5.1.1 Het domein van dit adres bestaat niet", next_attempt_at=utcnow()))
            added += 1
    session.flush()
    if docent is not None and not auth.is_locked(docent):
        for _ in range(max(policy.max_failed - docent.mislukte_pogingen, 1)):
            auth.register_failure(session, docent, policy)  # the real rule: counted, then locked and audited
    return {"beheertaken (geblokkeerd account, onbezorgde e-mail)": added}


def _user(email: str, naam: str, rol: Rol, aanbieder: Aanbieder | None = None,
          gemeenten: list[Gemeente] | None = None) -> User:
    # Demo accounts nobody logs in with: a random password that is never shown.
    return User(email=email, naam=naam, rol=rol, aanbieder=aanbieder, gemeenten=gemeenten or [],
                password_hash=auth.hash_password(secrets.token_urlsafe(24)))
