"""The main menu: the entries a role may open, the current page marked, the URLs built once per role."""

from __future__ import annotations

import re

from portal import navigation
from portal.models.enums import Rol
from tests.factories import GemeenteFactory, UserFactory


def _menu(html: str) -> list[tuple[str, str, bool]]:
    nav = re.search(r'<nav class="portal-nav".*?</nav>', html, re.S)
    assert nav is not None
    return [(href, label, "aria-current" in attrs)
            for href, attrs, label in re.findall(r'<a class="utrecht-link" href="([^"]+)"([^>]*)>([^<]+)</a>', nav[0])]


def test_the_menu_is_built_once_per_role_and_marks_the_current_page(db, login_as, monkeypatch):
    client = login_as(UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[GemeenteFactory()]))
    client.get("/inburgeraars/")  # the klantregisseur's menu is built (if it was not already)
    built = []
    original = navigation.url_for
    monkeypatch.setattr(navigation, "url_for", lambda *a, **k: built.append(a) or original(*a, **k))

    op_inburgeraars = _menu(client.get("/inburgeraars/").get_data(as_text=True))
    op_regie = _menu(client.get("/regie/").get_data(as_text=True))
    assert built == []
    assert [(href, label) for href, label, _ in op_inburgeraars] == [(href, label) for href, label, _ in op_regie]
    assert [label for _, label, current in op_inburgeraars if current] == ["Inburgeraars"]
    assert [href for href, _, current in op_regie if current] == ["/regie/"]
    assert "Presentie" not in [label for _, label, _ in op_regie]  # an aanbieder's entry


def test_the_headers_fixed_urls_are_built_once_per_mount_point(app, db, login_as, monkeypatch):
    """The stylesheets, scripts and links of every page's header (vaste_url) are url_for's own URLs, built once
    per mount point: a portal mounted under a prefix links there."""
    client = login_as(UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[GemeenteFactory()]))
    client.get("/inburgeraars/")
    built = []
    original = navigation.url_for
    monkeypatch.setattr(navigation, "url_for", lambda *a, **k: built.append(a) or original(*a, **k))
    page = client.get("/regie/").get_data(as_text=True)
    assert built == []
    assert '<link rel="stylesheet" href="/static/portal.css">' in page
    assert '<form method="post" action="/inloggen/uitloggen">' in page
    with app.test_request_context("/", base_url="http://localhost/portaal/"):
        assert navigation.vaste_url("static", "portal.css") == "/portaal/static/portal.css"
        assert navigation.vaste_url("main.index") == original("main.index") == "/portaal/"


def test_id_urls_are_url_fors_with_the_number_in_place(app):
    """id_url builds the text around a route's one number once per mount point; each URL is url_for's."""
    for base in ("http://localhost/", "http://localhost/portaal/"):
        with app.test_request_context("/", base_url=base):
            for endpoint, naam in (("inburgeraars.detail", "inburgeraar_id"), ("presentie.verwijzing", "verwijzing_id"),
                                   ("keten.pip_intrekken", "inburgeraar_id")):
                for nummer in (1, 42, 1234567):
                    assert navigation.id_url(endpoint, **{naam: nummer}) == navigation.url_for(endpoint,
                                                                                             **{naam: nummer})
            # A number the route does not hold goes in the query string, as url_for puts it.
            assert navigation.id_url("main.index", pagina=3) == navigation.url_for("main.index", pagina=3)


def test_the_start_page_promises_a_contractmanager_only_what_she_may_do(db, login_as):
    # She reads dossiers but sets no PIP and refers no one (CASE_MANAGERS): the klantregisseur's text misled her.
    gemeente = GemeenteFactory()
    manager = login_as(UserFactory(rol=Rol.CONTRACTMANAGER, gemeenten=[gemeente])).get("/").get_data(as_text=True)
    regisseur = login_as(UserFactory(rol=Rol.KLANTREGISSEUR, gemeenten=[gemeente])).get("/").get_data(as_text=True)
    assert "Inburgeraars</a> – zoeken en dossiers inzien" in manager
    assert "PIP vaststellen" not in manager
    assert "Inburgeraars</a> – zoeken, PIP vaststellen en verwijzen" in regisseur
