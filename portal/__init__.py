"""The inburgering aanbiedersportaal: a Flask app built by create_app()."""

from __future__ import annotations

from typing import Any

from flask import Flask

from portal.config import Config


def create_app(config: Config | dict[str, Any] | None = None) -> Flask:
    """Build the app: config → logging → extensions → request hooks → blueprints → errors → cli."""
    app = Flask(__name__)
    from portal.templating import PortalEnvironment

    app.jinja_environment = PortalEnvironment  # before anything creates app.jinja_env
    register_config(app, config)
    from portal.logging_setup import configure_logging

    configure_logging()
    register_extensions(app)
    register_blueprints(app)
    register_api(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_config(app: Flask, config: Config | dict[str, Any] | None) -> None:
    """Load the default config, then overrides from a Config object or a mapping."""
    base = config if isinstance(config, Config) else Config()
    app.config.from_object(base)
    if isinstance(config, dict):
        app.config.update(config)


def register_extensions(app: Flask) -> None:
    """Bind extensions, template helpers, the session guard and the job queue."""
    from portal import access, formatting, navigation, security, tasks
    from portal.extensions import csrf, db, htmx, login_manager

    db.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    formatting.register_filters(app)
    app.add_template_filter(access.reden_van_gebruiker, "reden")
    navigation.init_app(app)
    tasks.init_app(app)


def register_blueprints(app: Flask) -> None:
    """One blueprint per feature."""
    from portal.blueprints import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)


def register_api(app: Flask) -> None:
    """The API for providers' and gemeenten' systems under /api/v1 (a separate APIFlask app)."""
    from portal.api import register_api as mount

    mount(app)


def register_errorhandlers(app: Flask) -> None:
    """Dutch error pages."""
    from portal.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    """Flask CLI commands (seed-demo, create-user)."""
    from portal.cli import register

    register(app)
