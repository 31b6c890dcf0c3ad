"""Flask CLI commands: migrate, seed-demo, totalen-controleren, signalen-bijwerken, declaraties-bijwerken."""

from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    """Attach the portal's commands to `flask --app portal`."""

    @app.cli.command("migrate")
    def migrate_command() -> None:
        """Bring the database schema to the newest Alembic revision."""
        from portal.migrate import upgrade_to_head

        upgrade_to_head(app.config["DATABASE_URL"])
        click.echo("Database bijgewerkt tot de nieuwste migratie.")

    @app.cli.command("seed-demo")
    @click.option("--force", is_flag=True, help="Ook laden als de database al gegevens bevat.")
    def seed_demo_command(force: bool) -> None:
        """Load the demo region when the database is empty, and print the demo logins."""
        from portal.demo import seed_demo

        seed_demo(force=force)

    @app.cli.command("totalen-controleren")
    @click.option("--herstellen", is_flag=True, help="Zet de bewaarde totalen gelijk aan de herberekening.")
    def check_totals_command(herstellen: bool) -> None:
        """Compare the kept totals (presentie per verwijzing and week; declared and approved cost per gemeente,
        contract, indicator and year; each case's signals) with a recomputation and say what differs."""
        from portal.extensions import db
        from portal.services import kept_signalen, kept_totals
        from portal.services.billing import kosten_totalen

        presentie = kept_totals.differences(db.session)
        kosten = kosten_totalen.differences(db.session)
        signalen, verlopen = kept_signalen.differences(db.session)
        if verlopen:
            click.echo(f"{verlopen} signaalstand(en) ontbreken of zijn verlopen: het regieoverzicht berekent die "
                       "zelf tot de volgende verversing (signalen-bijwerken).")
        if not presentie and not kosten and not signalen:
            click.echo("Geen verschillen: de bewaarde totalen zijn gelijk aan de herberekening uit presentie "
                       "en uit de declaratieregels, de bewaarde signalen aan die van de regels.")
            return
        if presentie:
            click.echo(f"{len(presentie)} verschil(len) tussen bewaarde totalen en de herberekening uit presentie:")
            for verschil in presentie:
                click.echo(f"- {verschil}")
        if kosten:
            click.echo(f"{len(kosten)} verschil(len) tussen bewaarde kosten en de herberekening uit de "
                       "declaratieregels:")
            for verschil_kosten in kosten:
                click.echo(f"- {verschil_kosten}")
        if signalen:
            click.echo(f"{len(signalen)} verschil(len) tussen bewaarde signalen en de herberekening met de regels:")
            for verschil_signalen in signalen:
                click.echo(f"- {verschil_signalen}")
        if herstellen:
            kept_totals.rebuild(db.session)
            kosten_totalen.rebuild(db.session)
            kept_signalen.alles_opslaan(db.session)
            db.session.commit()
            click.echo("De bewaarde totalen zijn opnieuw berekend uit presentie en de declaratieregels, de "
                       "signalen met de regels.")
            return
        raise SystemExit(1)

    @app.cli.command("signalen-bijwerken")
    def update_signalen_command() -> None:
        """Store again the kept signals that are no longer valid today (also hourly by the worker)."""
        from portal.extensions import db
        from portal.services import kept_signalen

        aantal = kept_signalen.verlopen_bijwerken(db.session)
        db.session.commit()
        click.echo(f"Signalen van {aantal} inburgeraar(s) opnieuw berekend.")

    @app.cli.command("declaraties-bijwerken")
    def update_declaraties_command() -> None:
        """Run the billing service for every contract up to its last periode that ended (nightly, e.g. cron)."""
        from sqlalchemy import select

        from portal import clock
        from portal.extensions import db
        from portal.models import Contract
        from portal.services import ValidationError
        from portal.services.billing.derive import derive
        from portal.services.billing.rules import laatst_afgesloten

        for contract in db.session.scalars(select(Contract).order_by(Contract.kenmerk)).all():
            try:
                result = derive(db.session, contract, laatst_afgesloten(clock.today(), contract.declaratieperiode))
            except ValidationError as exc:  # its lock stayed taken (locking.py): the next night runs it
                db.session.rollback()
                click.echo(f"{contract.kenmerk}: overgeslagen. {'; '.join(exc.errors.values())}")
                continue
            db.session.commit()
            click.echo(f"{contract.kenmerk} {result.periode.code}: {result.nieuwe_prestaties} nieuwe en "
                       f"{result.gewijzigde_prestaties} gewijzigde prestaties, {result.nieuwe_regels} nieuwe regels "
                       f"({result.credit_regels} credit), {result.zonder_tarief} zonder tarief.")
