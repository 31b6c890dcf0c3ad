"""Flask CLI commands: migrate, seed-demo."""

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
