"""What every template may call, whichever blueprint drew the page: registered by the app."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app, request, url_for
from werkzeug.routing import BuildError

from formbuilder import timezones
from formbuilder.views.language import current_language, gettext
from formbuilder.views.paging import url_for_reads
from renderers import html
from schemas import Form
from schemas.i18n import N_

# A submission's status as the resident reads it; staff pages read "returned" their own way
# (``views.staff.words``).
STATUS_LABELS = {
    "received": N_("Received"),
    "in_review": N_("Being reviewed"),
    "returned": N_("Returned to you for changes"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
}


def switch_language_url(code: str) -> str:
    """This page in another language. Query arguments are kept as plain values only: a name
    ``url_for`` reads as an instruction (``_method``, ``_external``, ``_scheme``) or one that
    would replace the page's own path arguments is dropped, so no query breaks a page or turns
    its links into another site's."""
    path_args = dict(request.view_args or {})
    kept = {key: value for key, value in request.args.to_dict().items()
            if not url_for_reads(key) and key not in path_args}
    try:
        return url_for(request.endpoint or "public.catalogue",
                       **{**kept, **path_args, "lang": code})
    except (BuildError, TypeError, ValueError):
        return url_for("public.catalogue", lang=code)


def label_in(labels: Mapping[str, str], name: str) -> str:
    """The label of a stored name (a status, an audit action) in the reader's language; a name
    the table does not know is shown as it is stored."""
    found = labels.get(name)
    return gettext(found) if found else name


def status_label(status: str) -> str:
    return label_in(STATUS_LABELS, status)


def error_title(code: int) -> str:
    titles = {
        400: gettext("There is a problem with what was sent"),
        403: gettext("You cannot see this page"),
        404: gettext("Page not found"),
        413: gettext("The files are too large"),
        429: gettext("Too many tries"),
    }
    return titles.get(code, gettext("Sorry, there is a problem with the service"))


def error_advice(code: int) -> str:
    advice = {
        400: gettext("Go back, check your answers and try again."),
        403: gettext("If you think you should see it, contact the office that sent you here."),
        404: gettext("If you typed the web address, check it is correct."),
        413: gettext("Each file must be smaller than the size shown next to it. Go back and "
                     "choose a smaller file."),
        429: gettext("For your security, wait a few minutes, then try again."),
    }
    return advice.get(code, gettext("Try again later. Your saved answers have been kept."))


def language_note(form: Form) -> str | None:
    """"This form is only in English", in the reader's language, when the form has no text in
    it: a resident who searched in Chinese should know before starting what they will read."""
    lang = current_language()
    if lang in form.languages:
        return None
    try:
        name = Locale.parse(lang).languages.get(form.default_language, form.default_language)
    except (ValueError, UnknownLocaleError):
        name = form.default_language
    return gettext("This form is only in %(language)s", language=name)


def when(moment: datetime | None) -> str:
    """A stored (UTC) time in the city's zone, named: ``2026-12-03 12:30 CST``."""
    return timezones.shown(moment, current_app.config.get("TIME_ZONE"))


def register(app: Flask) -> None:
    for function in (switch_language_url, status_label, error_title, error_advice,
                     language_note):
        app.add_template_global(function)
    app.add_template_global(html.format_description, "render_text")
    app.add_template_filter(when, "when")
