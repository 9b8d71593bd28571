"""The resident's language for each request, and the templates' gettext bound to it.

Chosen from ``?lang=`` (remembered in the session), then the session, then the browser's
Accept-Language; the catalogue itself is ``schemas.i18n``, shared with the libraries.
"""

from __future__ import annotations

from flask import Flask, g, request, session

from schemas.i18n import SUPPORTED_LANGUAGES, Words, base_language, translations

LANGUAGE_NAMES = {"en": "English", "es": "Español", "zh": "中文"}
# Where ``?lang=`` names a document's language, not the reader's: printing a resident's PDF
# in Spanish must not turn the clerk's pages into Spanish.
DOCUMENT_ENDPOINTS = frozenset({"staff.pdf"})


def choose_language() -> str:
    asked = base_language(request.args.get("lang"))
    if asked and request.endpoint not in DOCUMENT_ENDPOINTS:
        session["lang"] = asked
        return asked
    remembered = base_language(session.get("lang"))
    if remembered:
        return remembered
    return request.accept_languages.best_match(SUPPORTED_LANGUAGES) or SUPPORTED_LANGUAGES[0]


def current_language() -> str:
    return getattr(g, "lang", None) or SUPPORTED_LANGUAGES[0]


def gettext(message: str, **params: object) -> str:
    """The message in the request's language, with ``%(name)s`` placeholders filled."""
    text = translations(current_language()).gettext(message)
    return text % params if params else text


def say(text: str) -> str:
    """A service's :class:`~schemas.i18n.Words` (or any msgid) in the request's language."""
    if isinstance(text, Words):
        return gettext(text.msgid, **text.params)
    return gettext(text)


def _template_gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def _template_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # Jinja's newstyle gettext fills the placeholders itself, so these only translate.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        _template_gettext, _template_ngettext, newstyle=True)

    @app.before_request
    def set_language() -> None:
        g.lang = choose_language()

    @app.context_processor
    def languages() -> dict[str, object]:
        return {"lang": current_language(), "language_names": LANGUAGE_NAMES}
