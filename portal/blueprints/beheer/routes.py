"""User accounts: list, create, change, (de)activate and reset the second factor, within the manager's scope."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import access
from portal.access import roles_required
from portal.blueprints.beheer import bp
from portal.blueprints.beheer.forms import ActionForm, PasswordForm, UserCreateForm, UserEditForm, options
from portal.blueprints.formflow import form_page, save_form
from portal.extensions import db, htmx
from portal.models import User
from portal.models.enums import Rol
from portal.navigation import add_nav_item
from portal.pagination import PAGE_PARAM, page_number, paginate
from portal.services import NotAllowed, ValidationError, accounts, auth

ACCOUNT_BEHEERDERS = (Rol.FUNCTIONEEL_BEHEERDER, Rol.AANBIEDER_BEHEERDER)

add_nav_item(
    "beheer.users", "Gebruikers", ACCOUNT_BEHEERDERS,
    description="accounts aanmaken, wijzigen en blokkeren", order=80,
)


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _fill_choices(form: UserEditForm, actor: User, same_kind_as: User | None = None) -> None:
    roles = accounts.assignable_roles(actor)
    if same_kind_as is not None:
        # An account stays with its kind of organisation, so only roles of that kind are offered.
        roles = tuple(r for r in roles if r.is_aanbieder == same_kind_as.rol.is_aanbieder)
    form.rol.choices = options([("", "Kies…"), *((r.value, r.label) for r in roles)])
    form.gemeente_ids.choices = options((g.id, g.naam) for g in accounts.assignable_gemeenten(db.session, actor))
    if isinstance(form, UserCreateForm):
        aanbieders = accounts.assignable_aanbieders(db.session, actor)
        form.aanbieder_id.choices = options([("", "Kies…"), *((a.id, a.naam) for a in aanbieders)])


@bp.route("/gebruikers")
@roles_required(*ACCOUNT_BEHEERDERS)
def users() -> str:
    """The accounts this beheerder manages, searchable on name and e-mail address, one page at a time."""
    args = {"q": request.args.get("q", "").strip()[:100], "sort": ""}
    query = accounts.managed_users_query(_actor(), args["q"])
    page = paginate(db.session, query, page_number(request.args.get(PAGE_PARAM)), args=args)
    context = {"page": page, "args": args, "is_locked": auth.is_locked}
    if htmx and not htmx.history_restore_request:
        return render_template("beheer/_users_resultaten.html", **context)
    return render_template("beheer/users.html", **context)


@bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
@roles_required(*ACCOUNT_BEHEERDERS)
def create_user() -> tuple[str, int] | Response:
    """A new account with an initial password."""
    actor = _actor()
    form = UserCreateForm()
    _fill_choices(form, actor)
    done = save_form(
        form,
        lambda: accounts.create_user(db.session, actor, accounts.UserData(
            email=form.email.data or "",
            naam=form.naam.data or "",
            rol=form.rol.data,
            password=form.password.data or "",
            aanbieder_id=form.aanbieder_id.data,
            gemeente_ids=list(form.gemeente_ids.data or []),
        )),
        lambda user: f"Account voor {user.naam} aangemaakt. Bij de eerste keer inloggen stelt deze persoon "
                     "de tweede factor in.",
        lambda user: url_for("beheer.edit_user", user_id=user.id),
    )
    return done or form_page("beheer/user_new.html", form)


@bp.route("/gebruikers/<int:user_id>", methods=["GET", "POST"])
@roles_required(*ACCOUNT_BEHEERDERS)
def edit_user(user_id: int) -> tuple[str, int] | Response:
    """Change name, role and gemeenten of one account."""
    actor = _actor()
    user = access.get_user_or_404(actor, user_id)
    # On POST the submitted values replace these defaults (unticked boxes included).
    form = UserEditForm(data={"naam": user.naam, "rol": user.rol.value, "gemeente_ids": user.gemeente_ids,
                              "telefoonnummer": user.telefoonnummer or ""})
    _fill_choices(form, actor, same_kind_as=user)
    done = save_form(
        form,
        lambda: accounts.update_user(db.session, actor, user, accounts.UserData(
            naam=form.naam.data or "", rol=form.rol.data, gemeente_ids=list(form.gemeente_ids.data or []),
            telefoonnummer=form.telefoonnummer.data or "",
        )),
        "De wijzigingen zijn opgeslagen.", url_for("beheer.edit_user", user_id=user.id),
    )
    return done or form_page(
        "beheer/user_edit.html", form, user=user, is_locked=auth.is_locked,
        may_change_whole_account=access.may_change_whole_account(actor, user),
    )


@bp.route("/gebruikers/<int:user_id>/wachtwoord", methods=["GET", "POST"])
@roles_required(*ACCOUNT_BEHEERDERS)
def set_password(user_id: int) -> tuple[str, int] | Response:
    """Set a new password for an account (forgotten or leaked); its sessions end and a lockout is lifted."""
    actor = _actor()
    user = access.get_user_or_404(actor, user_id)
    if not access.may_change_whole_account(actor, user):
        abort(403)
    form = PasswordForm()
    done = save_form(
        form,
        lambda: accounts.set_password(db.session, actor, user, form.password.data or ""),
        "Het nieuwe wachtwoord is ingesteld. Alle sessies van dit account zijn beëindigd.",
        url_for("beheer.edit_user", user_id=user.id),
    )
    return done or form_page("beheer/user_password.html", form, user=user)


def _account_action(user_id: int, action: str) -> Response:
    """Run one button action on an account in scope and report the result."""
    actor = _actor()
    user = access.get_user_or_404(actor, user_id)
    if not ActionForm().validate_on_submit():
        flash("Het formulier was verlopen. Probeer het opnieuw.", "error")
        return redirect(url_for("beheer.edit_user", user_id=user.id))
    try:
        message = _ACTIONS[action](actor, user)
    except NotAllowed:
        db.session.rollback()
        abort(403)
    except ValidationError as exc:
        db.session.rollback()
        flash(" ".join(exc.errors.values()), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("beheer.edit_user", user_id=user.id))


def _deactivate(actor: User, user: User) -> str:
    accounts.deactivate_user(db.session, actor, user)
    return "Het account is gedeactiveerd; alle sessies zijn beëindigd."


def _reactivate(actor: User, user: User) -> str:
    accounts.reactivate_user(db.session, actor, user)
    return "Het account is weer actief."


def _reset_totp(actor: User, user: User) -> str:
    accounts.reset_second_factor(db.session, actor, user)
    return "De tweede factor is gewist. Bij de volgende keer inloggen stelt deze persoon een nieuwe in."


_ACTIONS = {"deactiveren": _deactivate, "activeren": _reactivate, "tweede-factor": _reset_totp}


@bp.route("/gebruikers/<int:user_id>/deactiveren", methods=["POST"])
@roles_required(*ACCOUNT_BEHEERDERS)
def deactivate_user(user_id: int) -> Response:
    """Block an account and end its sessions."""
    return _account_action(user_id, "deactiveren")


@bp.route("/gebruikers/<int:user_id>/activeren", methods=["POST"])
@roles_required(*ACCOUNT_BEHEERDERS)
def reactivate_user(user_id: int) -> Response:
    """Allow a blocked account to log in again."""
    return _account_action(user_id, "activeren")


@bp.route("/gebruikers/<int:user_id>/tweede-factor-resetten", methods=["POST"])
@roles_required(*ACCOUNT_BEHEERDERS)
def reset_second_factor(user_id: int) -> Response:
    """Forget the TOTP secret so the user enrols again (lost phone)."""
    return _account_action(user_id, "tweede-factor")
