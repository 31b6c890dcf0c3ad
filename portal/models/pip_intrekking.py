"""The withdrawal (intrekking) of the PIP in force: the gemeente revokes the beschikking; DUO gets a DELETE."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from portal.models.base import Base, TimestampMixin
from portal.models.inburgeraar import Pip


class PipIntrekking(TimestampMixin, Base):
    """One withdrawn PIP version, with the date, the reason and who withdrew it; a later version is a new PIP."""

    __tablename__ = "pip_intrekking"

    id: Mapped[int] = mapped_column(primary_key=True)
    pip_id: Mapped[int] = mapped_column(ForeignKey("pip.id", ondelete="CASCADE"), unique=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id", ondelete="CASCADE"), index=True)
    datum: Mapped[date]  # the date the withdrawal takes effect
    reden: Mapped[str] = mapped_column(Text)
    ingetrokken_door_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    # Pip.intrekking: the withdrawal of that version, if any (declared here so the PIP model stays as it is).
    pip: Mapped[Pip] = relationship(backref=backref("intrekking", uselist=False, passive_deletes=True))
