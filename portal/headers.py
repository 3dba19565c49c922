"""Security headers on every response, error pages included.

The content security policy allows nothing but our own styles, scripts, images and form
targets, so no page can make a third-party request. The quick-exit site is the only outside
address, and only as a place a form may send the person to.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, request

# Endpoints whose responses may be cached: our own static files, which hold nothing personal.
CACHEABLE_ENDPOINTS = frozenset({"static"})


def content_security_policy(quick_exit_origin: str) -> str:
    return "; ".join(
        [
            "default-src 'none'",
            "style-src 'self'",
            "script-src 'self'",
            "img-src 'self'",
            f"form-action 'self' {quick_exit_origin}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )


def header_value_is_safe(value: str) -> bool:
    """True for a value every server and browser takes as one header: printable ASCII only
    (no line break, no character a server cannot encode)."""
    return all(" " <= ch <= "~" for ch in value)


def check_quick_exit_headers(quick_exit_url: str, quick_exit_origin: str) -> None:
    """Refuse (ValueError) a quick-exit address whose headers would break every response:
    the content security policy on each page and the quick exit's redirect."""
    policy = content_security_policy(quick_exit_origin)
    if not (header_value_is_safe(policy) and header_value_is_safe(quick_exit_url)):
        raise ValueError("the quick-exit address would make an invalid header")
    form_action = next(p for p in policy.split("; ") if p.startswith("form-action"))
    if form_action.split() != ["form-action", "'self'", quick_exit_origin]:
        raise ValueError("the quick-exit address would change the content security policy")


def init_app(app: Flask, quick_exit_origin: Callable[[], str]) -> None:
    @app.after_request
    def _set_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = content_security_policy(quick_exit_origin())
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["Permissions-Policy"] = (
            "geolocation=(), camera=(), microphone=(), interest-cohort=()"
        )
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
            # A validator lets a browser keep a copy around; nothing personal should have one.
            headers.pop("ETag", None)
            headers.pop("Last-Modified", None)
        return response
