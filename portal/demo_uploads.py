"""Demo: an export from De Brug's own administration, uploaded by the begeleider and waiting for confirmation.

It is shaped like what such systems write: a title row, the BSN as a number, the trajectnummer, dates as text, a
'Begeleider' and a 'Notities' column, a Totaal row, and no Activiteit column (MAP and PVT each have one activity,
which the portal fills in and says so). One row lacks its trajectnummer while that deelnemer follows both MAP and
PVT here (the preview asks for it); one row corrects hours stored earlier (the preview shows old and new).
Goes through the upload lifecycle like any upload; idempotent (an existing upload of this file is kept).
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from portal import access
from portal.domain import normen
from portal.models import Presentie, PresentieTotaal, TrajectStart, Upload, UploadSoort, User, Verwijzing
from portal.models.enums import Onderdeel, VerwijzingStatus
from portal.services.uploads import Settings, lifecycle
from portal.services.validation import as_decimal

BEGELEIDER = "begeleider@debrug.example.nl"
BESTANDSNAAM = "Export begeleidingsregistratie De Brug - MAP en PVT vorige week.xlsx"
_UREN = {Onderdeel.MAP: "4", Onderdeel.PVT: "2"}
_DAG = {Onderdeel.MAP: 1, Onderdeel.PVT: 4}  # their weekly session: Tuesday, Friday


def seed_uploads(session: Session, settings: Settings, today: date) -> int:
    """The begeleider's export in preview; returns 1 when it was added."""
    user = session.scalars(select(User).where(User.email == BEGELEIDER)).first()
    if user is None or session.scalar(select(Upload.id).where(
            Upload.aanbieder_id == user.aanbieder_id, Upload.bestandsnaam == BESTANDSNAAM)) is not None:
        return 0
    monday = today - timedelta(days=today.weekday() + 7)
    # The deelnemers whose sessions of last week are not in the portal yet (demo_presentie leaves them out).
    trajecten = session.scalars(
        access.verwijzingen_for_registration(user)
        .join(TrajectStart, TrajectStart.verwijzing_id == Verwijzing.id)
        .where(Verwijzing.status == VerwijzingStatus.GESTART, Verwijzing.onderdeel.in_(tuple(_UREN)),
               TrajectStart.gerealiseerde_startdatum <= monday - timedelta(days=28),
               ~exists().where(Presentie.verwijzing_id == Verwijzing.id,
                               Presentie.datum.between(monday, monday + timedelta(days=6))))
        .order_by(Verwijzing.id)
    ).all()
    # Not those whose practical hours are done (normen.praktijk_klaar): they have no sessions left to register.
    klaar = {vid for vid, onderdeel, uren in session.execute(
        select(PresentieTotaal.verwijzing_id, Verwijzing.onderdeel, func.sum(PresentieTotaal.uren_aanwezig))
        .join(Verwijzing, Verwijzing.id == PresentieTotaal.verwijzing_id)
        .where(PresentieTotaal.verwijzing_id.in_([v.id for v in trajecten]))
        .group_by(PresentieTotaal.verwijzing_id, Verwijzing.onderdeel))
        if normen.praktijk_klaar(onderdeel, as_decimal(uren))}
    trajecten = [v for v in trajecten if v.id not in klaar][:9]
    if not trajecten:
        return 0
    # One deelnemer who follows both MAP and PVT here is new in the administration: no trajectnummer yet, so the
    # preview asks which traject the row is about.
    both = session.scalars(
        access.verwijzingen_for_registration(user).with_only_columns(Verwijzing.inburgeraar_id)
        .group_by(Verwijzing.inburgeraar_id).having(func.count() > 1)).all()
    zonder_kenmerk = next((v.id for v in trajecten if v.inburgeraar_id in set(both)), None)
    rows = []
    for verwijzing in trajecten:
        dag = monday + timedelta(days=_DAG[verwijzing.onderdeel])
        persoon = verwijzing.inburgeraar
        kenmerk = None if verwijzing.id == zonder_kenmerk else verwijzing.kenmerk
        rows.append([f"{persoon.achternaam}, {persoon.voornamen}", int(persoon.bsn), kenmerk, dag.strftime("%d-%m-%Y"),
                     _UREN[verwijzing.onderdeel], "M. Yilmaz", None])
    earlier = session.scalars(select(Presentie).where(Presentie.verwijzing_id == trajecten[0].id)
                              .order_by(Presentie.datum.desc())).first()
    if earlier is not None:  # the administration counted a longer session than was registered
        persoon = trajecten[0].inburgeraar
        rows.append([f"{persoon.achternaam}, {persoon.voornamen}", int(persoon.bsn), trajecten[0].kenmerk,
                     earlier.datum.strftime("%d-%m-%Y"),
                     f"{earlier.uren_aanwezig + 1:.2f}".rstrip("0").rstrip(".").replace(".", ","), "M. Yilmaz",
                     "werkbezoek liep uit"])
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Begeleiding"
    sheet.append(["Begeleidingsregistratie Participatiewerkplaats De Brug"])
    sheet.merge_cells("A1:G1")
    sheet.append(["Deelnemer", "BSN", "Trajectnummer", "Datum", "Aanwezig", "Begeleider", "Notities"])
    for row in rows:
        sheet.append(row)
    sheet.append(["Totaal", None, None, None, None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    upload = lifecycle.store(session, user, UploadSoort.PRESENTIE, buffer, BESTANDSNAAM, settings.upload_dir,
                             settings.limits, settings.lease)
    lifecycle.validate(session, user, upload, settings.upload_dir, today, settings.limits)
    session.flush()
    return 1
