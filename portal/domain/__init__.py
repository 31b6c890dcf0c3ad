"""The rules of the Wet inburgering 2021 that several features share, each written once and kept pure.

Nothing here touches a database session, a request or the clock: callers pass the facts and today's date.
Signals, case pages, totals, uploads, billing and the chain deliveries all call these functions, so a
deadline, a norm or an attendance percentage means the same everywhere.

- ``termijnen``: PIP deadline, inburgeringstermijn, leerroute change deadline, a traject's effective dates
- ``normen``: hour norms per onderdeel and doelgroep, the 600-hour afschaling threshold, the pace target
- ``aanwezigheid``: the attendance window and threshold
- ``afronding``: one rounding of every figure: hours to the quarter, percentages to one decimal (half up)
- ``zoeken``: name/BSN search as users type it
- ``pip``: the PIP version in force on a day (a withdrawn version leaves none in force)
- verwijzing statuses are properties of ``portal.models.enums.VerwijzingStatus`` (``is_open`` …)
"""
