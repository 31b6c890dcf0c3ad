"""The one rule that serialises billing writes per contract: every write path that depends on a contract's tarieven,
prestaties or regels takes the contract's lock first.

SQLite already lets one writer at a time in (every writing transaction begins IMMEDIATE, portal.database). Under
PostgreSQL's READ COMMITTED two of them would otherwise each work from what they read before the other committed: a
tarief ended the day before a regel a running billing run priced at it, a run's prestaties stored twice, a regel
approved twice (counted twice in the kept cost totals) or rejected over an approval, regels added to a declaratie that
was submitted meanwhile. Taken first, before anything is read, so the waiting one reads what the first committed.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal.models import Contract

# FOR NO KEY UPDATE: billing writers wait for each other, while inserts of rows that refer to the contract
# (a verwijzing, a declaratie: FOR KEY SHARE) do not wait for a billing run.
_LOCK = select(Contract.id).where(Contract.id == bindparam("id")).with_for_update(key_share=True)


def lock_contract(session: Session, contract_id: int) -> None:
    """Hold the contract's billing lock until the transaction ends (PostgreSQL; a no-op on SQLite), and read every
    object of the session afresh after it: what it held may have been changed by the writer it waited for.

    Contract first, then what belongs to it: a path that touches one contract takes only this lock, so writers of
    the same contract queue and never deadlock; one that touches several takes them in one fixed order."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.flush()
    session.execute(_LOCK, {"id": contract_id})
    # Loaded before the lock, an object still says what the other writer changed meanwhile (a regel's status, a
    # declaratie's, a tarief's last day); expired, it is read again, now committed.
    session.expire_all()
