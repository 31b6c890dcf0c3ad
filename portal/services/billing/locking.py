"""The one rule that serialises billing writes per contract: every write path that depends on a contract's tarieven,
prestaties or regels takes the contract's lock first.

SQLite already lets one writer at a time in (every writing transaction begins IMMEDIATE, portal.database). Under
PostgreSQL's READ COMMITTED two of them would otherwise each work from what they read before the other committed: a
tarief ended the day before a regel a running billing run priced at it, a run's prestaties stored twice, a regel
approved twice (counted twice in the kept cost totals) or rejected over an approval, regels added to a declaratie that
was submitted meanwhile. Taken first, before anything is read, so the waiting one reads what the first committed.
"""

from __future__ import annotations

import psycopg
from flask import current_app, has_app_context
from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal.models import Contract
from portal.services import ValidationError

# FOR NO KEY UPDATE: billing writers wait for each other, while inserts of rows that refer to the contract
# (a verwijzing, a declaratie: FOR KEY SHARE) do not wait for a billing run.
_LOCK = select(Contract.id).where(Contract.id == bindparam("id")).with_for_update(key_share=True)
# A writer waits this long for the lock, then gives up (a billing run can hold it for minutes): the user sees
# _BEZIG instead of a page that hangs until gunicorn or the worker gives up. Only this wait: restored afterwards.
LOCK_TIMEOUT_MS = 5000
_TIMEOUT = text("SELECT current_setting('lock_timeout'), set_config('lock_timeout', :waarde, true)")
_HERSTEL = text("SELECT set_config('lock_timeout', :waarde, true)")
_BEZIG = "Er wordt nu gerekend aan dit contract. Probeer het over een minuut opnieuw."


def lock_contract(session: Session, contract_id: int) -> None:
    """Hold the contract's billing lock until the transaction ends (PostgreSQL; a no-op on SQLite), and read every
    object of the session afresh after it: what it held may have been changed by the writer it waited for.

    Contract first, then what belongs to it: a path that touches one contract takes only this lock, so writers of
    the same contract queue and never deadlock; one that touches several takes them in one fixed order.

    Waits at most BILLING_LOCK_TIMEOUT_MS, then raises ValidationError ("Er wordt nu gerekend aan dit contract…")."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.flush()
    timeout_ms = current_app.config.get("BILLING_LOCK_TIMEOUT_MS", LOCK_TIMEOUT_MS) if has_app_context() \
        else LOCK_TIMEOUT_MS
    vorige, _ = session.execute(_TIMEOUT, {"waarde": f"{int(timeout_ms)}ms"}).one()
    try:
        session.execute(_LOCK, {"id": contract_id})
    except OperationalError as exc:
        if isinstance(exc.orig, psycopg.errors.LockNotAvailable):
            raise ValidationError({"contract": _BEZIG}) from exc  # the caller rolls back, as for any refusal
        raise
    session.execute(_HERSTEL, {"waarde": vorige})
    # Loaded before the lock, an object still says what the other writer changed meanwhile (a regel's status, a
    # declaratie's, a tarief's last day); expired, it is read again, now committed.
    session.expire_all()
