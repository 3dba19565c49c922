"""Admin pages: accounts and invitations, sessions, the audit log, and site settings."""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal import clock, db, sitesettings, siteurl
from portal.board import accounts, boardsessions, members, sitechanges
from portal.board.accounts import Role
from portal.db import write_transaction
from portal.security import audit, auditlog
from portal.site import SiteConfigError, site_to_mapping
from review import sitewords
from review.adminforms import AuditFilterForm, FlagsForm, InviteForm, SettingsForm
from review.forms import EmptyForm
from review.gate import access as access_rule
from review.gate import bp

admin_only = access_rule(Role.ADMIN)


@bp.get("/admin/accounts")
@admin_only
def accounts_page() -> ResponseReturnValue:
    return render_template(
        "review/admin_accounts.html",
        accounts=members.all_accounts(db.session()),
        invite_form=InviteForm(),
        button=EmptyForm(),
        flags=FlagsForm(),
        me=g.account,
    )


@bp.post("/admin/invites")
@admin_only
def create_invite() -> ResponseReturnValue:
    form = InviteForm()
    if not form.validate_on_submit():
        return redirect(url_for("review.accounts_page"), code=303)
    token = accounts.create_invite(db.session(), Role(form.role.data), g.account.id, clock.now())
    link = siteurl.external_url("review.enroll_link", token=token)
    return render_template("review/invite_link.html", link=link, role=form.role.data)


@bp.post("/admin/accounts/<int:account_id>/disable")
@admin_only
def disable_account(account_id: int) -> ResponseReturnValue:
    return _toggle(account_id, disabled=True)


@bp.post("/admin/accounts/<int:account_id>/enable")
@admin_only
def enable_account(account_id: int) -> ResponseReturnValue:
    return _toggle(account_id, disabled=False)


def _toggle(account_id: int, disabled: bool) -> Response:
    if EmptyForm().validate_on_submit():
        try:
            members.set_disabled(
                db.session(), g.account, account_id, disabled, clock.now(), g.keyring
            )
        except accounts.AccountError as problem:
            flash(str(problem))
        else:
            flash(
                _("Account disabled. Its sessions have ended.")
                if disabled
                else _("Account enabled.")
            )
    return redirect(url_for("review.accounts_page"), code=303)


@bp.post("/admin/accounts/<int:account_id>/approve-key")
@admin_only
def approve_key(account_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        try:
            members.approve_key(db.session(), g.account, account_id, g.keyring, clock.now())
        except accounts.AccountError as problem:
            flash(str(problem))
        else:
            flash(_("Approved. They can read cases from their next sign-in."))
    return redirect(url_for("review.accounts_page"), code=303)


@bp.post("/admin/accounts/<int:account_id>/flags")
@admin_only
def account_flags(account_id: int) -> ResponseReturnValue:
    form = FlagsForm()
    if form.validate_on_submit():
        try:
            members.set_flags(
                db.session(),
                g.account,
                account_id,
                clock.now(),
                totp_required=form.totp_required.data,
                trained_sensitive=form.trained_sensitive.data,
                organisation=(form.organisation.data or "").strip() or None,
            )
        except accounts.AccountError as problem:
            flash(str(problem))
        else:
            flash(_("Saved."))
    return redirect(url_for("review.accounts_page"), code=303)


@bp.get("/admin/sessions")
@admin_only
def sessions_page() -> ResponseReturnValue:
    live = boardsessions.live_sessions(db.session(), clock.now())
    return render_template(
        "review/admin_sessions.html",
        sessions=[(boardsessions.public_handle(s), s, a) for s, a in live],
        button=EmptyForm(),
    )


@bp.post("/admin/sessions/<handle>/end")
@admin_only
def end_session(handle: str) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit() and members.end_session(
        db.session(), g.account, handle[:64], clock.now()
    ):
        flash(_("The session has ended."))
    return redirect(url_for("review.sessions_page"), code=303)


def _audit_filter(form: AuditFilterForm) -> auditlog.AuditFilter:
    if not form.validate():
        return auditlog.AuditFilter()
    return auditlog.AuditFilter(
        action=form.action.data or None,
        account_id=form.account.data,
        since=form.since.data,
        until=form.until.data,
    )


@bp.get("/admin/audit")
@admin_only
def audit_page() -> ResponseReturnValue:
    form = AuditFilterForm(request.args)
    query = _audit_filter(form)
    number = max(1, min(request.args.get("page", 1, type=int) or 1, 100000))
    events = auditlog.page(db.session(), query, number)
    return render_template(
        "review/admin_audit.html",
        form=form,
        events=events[:50],
        has_next=len(events) > 50,
        number=number,
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.get("/admin/audit.csv")
@admin_only
def audit_csv() -> ResponseReturnValue:
    query = _audit_filter(AuditFilterForm(request.args))
    database = db.session()
    with write_transaction(database):
        audit.record(
            database,
            "audit.export",
            account_id=g.account.id,
            now=clock.now(),
            action_filter=query.action,
            account_filter=query.account_id,
        )
    body = auditlog.to_csv(auditlog.all_matching(database, query))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _help_from_text(text: str) -> list[dict[str, str]]:
    keys = ("name", "what", "phone", "hours", "address")
    places = []
    for line in _lines(text):
        parts = [part.strip() for part in line.split("|")]
        places.append(dict(zip(keys, parts + [""] * (len(keys) - len(parts)), strict=False)))
    return places


def _help_to_text(places: list[dict[str, str]]) -> str:
    keys = ("name", "what", "phone", "hours", "address")
    return "\n".join(" | ".join(place.get(k, "") for k in keys).rstrip(" |") for place in places)


# Settings edited as one box each; agencies and help places are edited one per line.
SIMPLE_SETTINGS = (
    "program_name",
    "neutral_title",
    "quick_exit_url",
    "public_address",
    "suppression_threshold",
    "pattern_threshold",
    "retention_closed_days",
    "retention_unopened_days",
    "news_erase_days",
    "typical_answer_days",
    "kiosk_mode",
    "kiosk_idle_seconds",
    "smtp_host",
    "smtp_port",
    "smtp_from",
    "smtp_starttls",
    "board_language",
    "reconsider_days",
    "mediation_offered",
)


@bp.route("/admin/settings", methods=["GET", "POST"])
@admin_only
def settings_page() -> ResponseReturnValue:
    site = sitesettings.current()
    form = SettingsForm()
    if request.method == "GET":
        values = site_to_mapping(site)
        for name in SIMPLE_SETTINGS:
            getattr(form, name).data = values[name]
        form.agencies.data = "\n".join(values["agencies"])
        form.help_resources.data = _help_to_text(values["help_resources"])
        form.danger_lines.data = _help_to_text(values["danger_lines"])
        for name, text in sitewords.boxes_from_words(values, values["words"]).items():
            getattr(form, name).data = text
    elif form.validate_on_submit():
        changes = {name: getattr(form, name).data for name in SIMPLE_SETTINGS}
        changes["agencies"] = _lines(form.agencies.data)
        changes["help_resources"] = _help_from_text(form.help_resources.data)
        changes["danger_lines"] = _help_from_text(form.danger_lines.data)
        try:
            changes["words"] = sitewords.words_from_boxes(
                changes, {name: getattr(form, name).data for name in sitewords.box_names()}
            )
        except sitewords.LinesDoNotMatch as extra:
            getattr(form, extra.box).errors.append(
                _(
                    "This box has more lines than the English one (%(lines)d). Please write "
                    "one line for each English line, in the same order.",
                    lines=extra.english_lines,
                )
            )
            return render_template("review/admin_settings.html", form=form)
        try:
            sitechanges.save(
                db.session(),
                sitesettings.base_site(),
                changes,
                g.account.id,
                clock.now(),
            )
        except SiteConfigError:
            flash(_("Those settings could not be saved. Please check each box."))
        else:
            flash(_("Settings saved."))
            return redirect(url_for("review.settings_page"), code=303)
    return render_template("review/admin_settings.html", form=form)
