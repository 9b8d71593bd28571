"""Server-side HTML for forms: accessible GOV.UK / U.S. Web Design System markup.

Pure: a form, answers, errors and a language in, ``Markup`` out. No web framework, no request:
the app decides URLs (``change_url``, ``attachments``) and where the fragments go.

How the app uses it:

- ``render_error_summary`` at the top of the page, then, inside ``<form method="post"
  enctype="multipart/form-data" novalidate>`` with the CSRF input, ``render_questions`` and the
  app's own Continue button. ``novalidate`` because jsonschema, not the browser, says what is
  wrong, in plain words.
- ``static_folder()`` holds ``formbuilder.css`` and ``conditional.js`` (load it with
  ``<script src=... defer>``; it needs no inline script, so a strict CSP works).
- Posted inputs are named by the answers' dotted paths with item indexes (``vehicles.0.plate``);
  ``renderers.wtforms.answers_from_post`` reads them back, including the ``_add``/``_remove``
  buttons of repeating groups, which work without JavaScript.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from renderers.html.questions import Attachments, QuestionBuilder
from renderers.html.summary import ChangeUrl, CheckAnswers, error_items
from renderers.html.text import field_id, format_description, safe_url
from renderers.html.views import Question
from renderers.templating import translated_environment
from schemas.fields import Field
from schemas.model import Form

__all__ = [
    "environment",
    "field_id",
    "format_description",
    "question_views",
    "render_check_answers",
    "render_error_summary",
    "render_questions",
    "static_folder",
    "template_folder",
]

_HERE = os.path.dirname(os.path.abspath(__file__))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The renderer's Jinja environment (see ``renderers.templating``)."""
    env = translated_environment("renderers.html")
    env.filters["description"] = format_description
    env.filters["safe_url"] = safe_url
    env.globals["field_id"] = field_id
    return env


def template_folder() -> str:
    """The templates folder, for the app to add to its own loader (``formbuilder/*.html``)."""
    return os.path.join(_HERE, "templates")


def static_folder() -> str:
    """The folder holding ``formbuilder.css`` and ``conditional.js``."""
    return os.path.join(_HERE, "static")


def _render(template: str, lang: str | None, **context: Any) -> Markup:
    html = environment().get_template(template).render(lang=lang or "en", **context)
    return Markup(html)


def question_views(form: Form, fields: Iterable[Field | str], answers: Mapping[str, Any] | None,
                   errors: Iterable[Any] | None, lang: str | None, *,
                   attachments: Attachments | None = None) -> list[Question]:
    """The views ``render_questions`` draws, for apps that lay questions out themselves."""
    return QuestionBuilder(form, answers, errors, lang, attachments).page(fields)


def render_questions(form: Form, fields: Iterable[Field | str],
                     answers: Mapping[str, Any] | None, errors: Iterable[Any] | None,
                     lang: str | None, *, attachments: Attachments | None = None) -> Markup:
    """The questions of a page (``fields``: its top-level questions or their names), filled
    with ``answers`` and showing ``errors`` (``FieldError``-like: ``path`` and ``message``).

    When the page has "Add another"/"Remove" buttons, a visually hidden Continue button comes
    first, so pressing Enter in a text box continues instead of removing the first item (the
    browser submits with the form's first submit button).
    """
    views = question_views(form, fields, answers, errors, lang, attachments=attachments)
    return _render("formbuilder/questions.html", lang, questions=views,
                   default_button=any(_has_actions(q) for q in views))


def _has_actions(question: Question) -> bool:
    if question.add or any(item.remove for item in question.items) or any(
            upload.remove for upload in question.uploads):
        return True
    return any(_has_actions(child) for child in question.children) or any(
        _has_actions(child) for item in question.items for child in item.children)


def render_error_summary(form: Form, errors: Iterable[Any] | None, lang: str | None, *,
                         fields: Iterable[Field | str] | None = None) -> Markup:
    """The GOV.UK error summary: "There is a problem", then each error linking to its question's
    first input. Empty when there are no errors. ``fields`` limits it to a page's questions."""
    items = error_items(form, errors, fields)
    if not items:
        return Markup("")
    return _render("formbuilder/error_summary.html", lang, items=items)


def render_check_answers(form: Form, answers: Mapping[str, Any] | None, lang: str | None, *,
                         change_url: ChangeUrl | None = None,
                         attachments: Attachments | None = None) -> Markup:
    """"Check your answers": a summary list per page that is asked, each row with a "Change"
    link from ``change_url(page_index, path)`` (none when ``change_url`` is ``None``, as on
    staff screens); repeating groups item by item; files by name with thumbnails."""
    sections = CheckAnswers(form, answers, lang, change_url, attachments).sections()
    return _render("formbuilder/check_answers.html", lang, sections=sections)
