"""What every template may call, whichever blueprint drew the page: registered by the app."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, request, url_for

from formbuilder.views.language import gettext
from renderers import html


def switch_language_url(code: str) -> str:
    args = {**(request.view_args or {}), **request.args.to_dict(), "lang": code}
    return url_for(request.endpoint or "public.catalogue", **args)


def status_label(status: str) -> str:
    labels = {
        "received": gettext("Received"),
        "in_review": gettext("Being reviewed"),
        "returned": gettext("Returned to you for changes"),
        "approved": gettext("Approved"),
        "rejected": gettext("Rejected"),
    }
    return labels.get(status, status)


def error_title(code: int) -> str:
    titles = {
        400: gettext("There is a problem with what was sent"),
        403: gettext("You cannot see this page"),
        404: gettext("Page not found"),
        413: gettext("The files are too large"),
    }
    return titles.get(code, gettext("Sorry, there is a problem with the service"))


def error_advice(code: int) -> str:
    advice = {
        400: gettext("Go back, check your answers and try again."),
        403: gettext("If you think you should see it, contact the office that sent you here."),
        404: gettext("If you typed the web address, check it is correct."),
        413: gettext("Each file must be smaller than the size shown next to it. Go back and "
                     "choose a smaller file."),
    }
    return advice.get(code, gettext("Try again later. Your saved answers have been kept."))


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def register(app: Flask) -> None:
    for function in (switch_language_url, status_label, error_title, error_advice):
        app.add_template_global(function)
    app.add_template_global(html.format_description, "render_text")
    app.add_template_filter(when, "when")
