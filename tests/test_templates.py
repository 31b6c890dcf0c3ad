"""Every table comes from the table macro and every error message from the form macro, so all of them get the
same markup: sideways scrolling on small screens, captions, and errors tied to their input for screen readers."""

from __future__ import annotations

from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "portal" / "templates"


def test_tables_and_error_messages_only_through_the_macros():
    pages = [p for p in TEMPLATES.rglob("*.html") if p.parent.name != "_macros"]
    assert len(pages) > 40
    hand_made_tables = [str(p.relative_to(TEMPLATES)) for p in pages if "<table" in p.read_text()]
    hand_made_errors = [str(p.relative_to(TEMPLATES)) for p in pages if "portal-field__error" in p.read_text()]
    assert hand_made_tables == [], "use {% call table() %} from _macros/tables.html"
    assert hand_made_errors == [], "use field() or error_message() from _macros/forms.html"


def test_one_templates_globals_never_become_every_templates(app):
    """Templates read the environment's globals directly (portal.templating), so globals for one template are
    refused rather than written into what every page sees."""
    env = app.jinja_env
    assert env.get_template("base.html").globals is env.globals
    with pytest.raises(TypeError):
        env.get_template("base.html", globals={"current_user": None})
    with pytest.raises(TypeError):
        env.select_template(["base.html"], globals={"current_user": None})
    assert "current_user" not in env.globals


def test_every_page_names_its_icon_so_browsers_do_not_ask_for_a_missing_favicon(client):
    """Without an icon link every page load asked for /favicon.ico and logged a 404 (77 in one walk)."""
    page = client.get("/inloggen/").get_data(as_text=True)
    href = page.split('<link rel="icon" type="image/svg+xml" href="', 1)[1].split('"', 1)[0]
    icon = client.get(href)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
