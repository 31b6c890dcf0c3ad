"""The one billing service: contract rules, deriving prestaties, checks, declaraties and exports.

- ``rules``: periodes, the paying gemeente, tarieven and amounts (pure where possible)
- ``contracten``: contract settings, prestatie-indicatoren, tarieven and budgets (contractmanager)
- ``derive``: prestaties from the registrations, idempotent; regels on the concept declaraties
- ``checks``: what a regel's numbers say before the contractmanager looks
- ``declaraties``: submitting, deciding, re-declaring; the small queries other features use
- ``locking``: the contract's lock every billing write takes first (PostgreSQL)
- ``exports``: xlsx, iWmo 323/325-shaped JSON and CSV, SPUK costs per gemeente per voorziening per year
"""
