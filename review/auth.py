"""Signing in and out, and enrolling with an invitation."""

from __future__ import annotations

import hashlib
import hmac

from flask import (
    Response,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import clock, db, sitesettings
from portal.board import accounts, boardsessions, signin, totp
from portal.db import write_transaction
from portal.security.ratelimits import client_key, configured, counted_only_when, limiter
from review.forms import CodeForm, EmptyForm, EnrollForm, SetupCodeForm, SignInForm
from review.gate import (
    ALL_ROLES,
    bp,
    clear_session_cookie,
    public,
    session_cookie,
    set_session_cookie,
)
from review.gate import access as access_rule

ENROLL_SESSION_KEY = "enroll_invite"
GENERIC_FAILURE = _l("That did not work. Please check what you typed and try again.")


def keys() -> accounts.Secrets:
    return accounts.current_secrets()


def _signin_limit() -> str:
    return configured("signin_limit")


def _account_key() -> str:
    """Rate-limit key for the account being tried, without storing the username itself."""
    if g.get("account") is not None:
        name = g.account.username
    else:
        name = accounts.normal_username(request.form.get("username", ""))
    secret = current_app.config["SECRET_KEY"].encode()
    return "account:" + hmac.new(secret, name.encode(), hashlib.sha256).hexdigest()[:32]


def _failed() -> bool:
    return bool(g.get("signin_failed"))


def _limited(view):  # type: ignore[no-untyped-def]
    """Per client and per account: only failures count, so a person who gets in is never
    held back, and a pause lasts minutes, never for good. Each try is counted as it arrives,
    before the password is checked, and given back unless it failed."""
    view = counted_only_when(_failed)(view)
    view = limiter.limit(_signin_limit, key_func=_account_key, methods=["POST"])(view)
    return limiter.limit(_signin_limit, key_func=client_key, methods=["POST"])(view)


STAGE_TARGET = {
    boardsessions.FULL: "review.home",
    boardsessions.HALF: "review.sign_in_code",
    boardsessions.ENROLL: "review.second_factor",
}


def _finish(cookie: str, stage: str) -> Response:
    target = STAGE_TARGET[stage]
    return set_session_cookie(make_response(redirect(url_for(target), code=303)), cookie)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@_limited
def sign_in() -> ResponseReturnValue:
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("review/sign_in.html", form=form)
    database, now = db.session(), clock.now()
    account = signin.check_password(database, keys(), form.username.data, form.password.data, now)
    if account is None:
        g.signin_failed = True
        return render_template("review/sign_in.html", form=form, failed=GENERIC_FAILURE)
    # A session id from before sign-in is never reused after it.
    with write_transaction(database):
        boardsessions.end(database, session_cookie())
    keyring = signin.open_keys(database, keys(), account, form.password.data)
    cookie, stage = signin.begin_session(database, account, now, keyring)
    return _finish(cookie, stage)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@access_rule(*ALL_ROLES, stages=frozenset({boardsessions.HALF}))
@_limited
def sign_in_code() -> ResponseReturnValue:
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("review/sign_in_code.html", form=form)
    session_id = signin.second_factor(
        db.session(), keys(), g.account, session_cookie() or "", form.code.data, clock.now()
    )
    if session_id is None:
        g.signin_failed = True
        return render_template("review/sign_in_code.html", form=form, failed=GENERIC_FAILURE)
    return _finish(session_id, boardsessions.FULL)


@bp.post("/sign-out")
@access_rule(*ALL_ROLES, stages=frozenset(boardsessions.STAGES))
def sign_out() -> ResponseReturnValue:
    signin.sign_out(db.session(), g.account.id, session_cookie() or "", clock.now())
    session.clear()
    flash(_("You are signed out."))
    return clear_session_cookie(make_response(redirect(url_for("review.sign_in"), code=303)))


@bp.get("/enroll/<token>")
@public
def enroll_link(token: str) -> ResponseReturnValue:
    """Keep the invitation in the session and move to a URL without it, so the token does
    not stay in the address bar or browser history."""
    try:
        accounts.find_invite(db.session(), token[:100], clock.now())
    except accounts.InviteInvalid:
        return render_template("review/invite_invalid.html"), 404
    session[ENROLL_SESSION_KEY] = token
    return redirect(url_for("review.enroll"), code=303)


@bp.route("/enroll", methods=["GET", "POST"])
@public
def enroll() -> ResponseReturnValue:
    token = session.get(ENROLL_SESSION_KEY)
    database, now = db.session(), clock.now()
    try:
        invite = accounts.find_invite(database, token or "", now)
    except accounts.InviteInvalid:
        return render_template("review/invite_invalid.html"), 404
    form = EnrollForm()
    if form.validate_on_submit():
        try:
            enrolled = accounts.enroll(
                database, keys(), token, form.username.data, form.password.data, now
            )
        except accounts.UsernameTaken:
            form.username.errors.append(_("That username is taken. Please choose another."))
        except accounts.PasswordRejected as problem:
            form.password.errors.append(str(problem))
        except accounts.InviteInvalid:
            return render_template("review/invite_invalid.html"), 404
        else:
            session.pop(ENROLL_SESSION_KEY, None)
            if enrolled.board_recovery:
                # The first admin: the board key was just made. Its recovery key is shown
                # once, here, before anything else.
                page = render_template(
                    "review/board_recovery.html",
                    recovery=enrolled.board_recovery,
                    next_url=url_for(STAGE_TARGET[enrolled.stage]),
                )
                return set_session_cookie(make_response(page), enrolled.cookie)
            return _finish(enrolled.cookie, enrolled.stage)
    return render_template("review/enroll.html", form=form, role=invite.role)


@bp.route("/second-factor", methods=["GET", "POST"])
@access_rule(*ALL_ROLES, stages=frozenset({boardsessions.ENROLL, boardsessions.FULL}))
def second_factor() -> ResponseReturnValue:
    account = g.account
    database = db.session()
    if account.totp_confirmed:
        flash(_("Your second factor is already set up."))
        return redirect(url_for("review.account"), code=303)
    secret = signin.totp_secret_of(keys(), account) or signin.start_totp_setup(
        database, keys(), account
    )
    form = SetupCodeForm()
    if form.validate_on_submit():
        result = signin.confirm_totp(
            database, keys(), account, session_cookie() or "", form.code.data, clock.now()
        )
        if result is not None:
            codes, session_id = result
            response = make_response(
                render_template("review/recovery_codes.html", codes=codes, form=EmptyForm())
            )
            return set_session_cookie(response, session_id)
        form.code.errors.append(
            _("That code did not match. Check the clock on your phone, then try the newest code.")
        )
    uri = totp.provisioning_uri(secret, account.username, sitesettings.current().program_name)
    return render_template(
        "review/second_factor.html", form=form, secret=secret, qr=totp.qr_svg(uri)
    )
