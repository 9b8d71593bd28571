"""Protective response headers and CSRF for every form post."""

from __future__ import annotations

from flask import Flask, Response, request

# The only responses a cache may keep: the stylesheets and scripts every page shares.
CACHEABLE = frozenset({"static", "public.renderer_static"})
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])


def protect(app: Flask) -> None:
    """Attach the headers every response carries."""

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), "
                                    "geolocation=(), payment=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.endpoint not in CACHEABLE:
            # Pages, PDFs and uploaded files hold people's answers: a shared computer's
            # browser cache or a proxy must keep none of them.
            response.headers["Cache-Control"] = "no-store"
        return response
