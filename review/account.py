"""A signed-in person's own account: password, second factor, recovery codes."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal import clock, db
from portal.board import accounts, members, signin
from review.auth import keys
from review.forms import EmptyForm, NoticeForm, PasswordChangeForm
from review.gate import access as access_rule
from review.gate import bp, session_cookie


@bp.get("/account")
@access_rule()
def account() -> ResponseReturnValue:
    return _page(PasswordChangeForm())


def _page(
    form: PasswordChangeForm, status: int = 200, notices: NoticeForm | None = None
) -> ResponseReturnValue:
    remaining = signin.unused_recovery_codes(db.session(), g.account.id)
    if notices is None:
        # Not from the request: that may be a password form, which would untick every box.
        notices = NoticeForm(formdata=None, obj=g.account)
        notices.notice_language.data = g.account.notice_language or ""  # "": the board's
    return (
        render_template(
            "review/account.html",
            account=g.account,
            form=form,
            notices=notices,
            button=EmptyForm(),
            recovery_left=remaining,
        ),
        status,
    )


@bp.post("/account/notices")
@access_rule()
def notices() -> ResponseReturnValue:
    form = NoticeForm()
    if not form.validate_on_submit():
        return _page(PasswordChangeForm(formdata=None), 400, notices=form)
    members.set_notices(
        db.session(),
        g.account,
        email=form.notify_email.data or None,
        new=form.notify_new.data,
        urgent=form.notify_urgent.data,
        reply=form.notify_reply.data,
        language=form.notice_language.data or None,
        now=clock.now(),
    )
    flash(_("Your notice settings are saved."))
    return redirect(url_for("review.account"), code=303)


@bp.post("/account/password")
@access_rule()
def change_password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            members.change_password(
                db.session(),
                keys(),
                g.account,
                session_cookie() or "",
                form.current.data,
                form.password.data,
                clock.now(),
            )
        except accounts.WrongPassword as problem:
            form.current.errors.append(str(problem))
        except accounts.PasswordRejected as problem:
            form.password.errors.append(str(problem))
        else:
            flash(_("Your password is changed. You are signed out everywhere else."))
            return redirect(url_for("review.account"), code=303)
    return _page(form, 400)


@bp.post("/account/recovery-codes")
@access_rule()
def renew_recovery_codes() -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit() or not g.account.totp_confirmed:
        return redirect(url_for("review.account"), code=303)
    codes = signin.new_recovery_codes(db.session(), keys(), g.account, clock.now())
    return render_template("review/recovery_codes.html", codes=codes, form=EmptyForm())
