"""What the two hand-written pothole apps share: the baselines ``bench.handwritten_pothole``
(three pages and a photo, for ``form_throughput``) and ``bench.handwritten_onepage`` (one page
without the photo, for ``submission_cpu``).

One module, as the developer who wrote the second app would have split the first: the words in
English and Spanish, resolved lazily in validation messages; the questions as WTForms fields,
declared once at import time; CSRF from WTForms' ``SessionCSRF`` in Flask's signed session (the
engine's mechanism, so both pay the same for it); templates as Jinja strings with the engine's
markup; the security headers; the app's set-up; and the draft, check and send steps, through
the same services as the engine (``formbuilder.services.drafts`` and ``submissions``) so that
the apps do the same database work. The apps differ only where their forms do.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import wtforms
from flask import (
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from jinja2 import DictLoader
from markupsafe import escape
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms.csrf.session import SessionCSRF
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from formbuilder.database import Database
from formbuilder.models import Draft, FormVersion
from formbuilder.services import drafts, publishing, submissions

LANGUAGES = ("en", "es")
SIZES = ("small", "medium", "large")
BIG = ("medium", "large")  # the sizes that are asked whether they block a lane
POSITIONS = ("traffic_lane", "bike_lane", "crosswalk", "curb", "alley")
_TEL = re.compile(r"^\+?[0-9 ().\-]+$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[^\s.@]{1,63}(?<!-)$")

# --- Words ---------------------------------------------------------------------------------------

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "form": "Report a pothole", "city": "City of Example", "language": "Language",
        "skip": "Skip to main content", "track": "Track a submission", "back": "Back",
        "page_of": "Page %(n)d of %(total)d", "continue": "Continue",
        "save": "Save and come back later", "problem": "There is a problem", "error": "Error:",
        "optional": "(optional)", "yes": "Yes", "no": "No", "change": "Change",
        "not_answered": "Not answered", "check": "Check your answers before sending",
        "check_title": "Check your answers", "send_title": "Now send your form",
        "declare": "By sending this form you confirm that, to the best of your knowledge, "
                   "the details you are providing are correct.",
        "send": "Send form", "sent": "Form sent", "reference": "Your reference number",
        "confirmation": "Thank you. We will email you when the crew has been scheduled.",
        "security": "For your security, check your answers on this page and continue again. "
                    "Nothing you typed has been lost.",
        "expired": "The answers you started more than 30 days ago have been deleted, as we "
                   "keep unsent answers for 30 days. Please start again.",
        "page1": "Where is it?", "page2": "About the pothole", "page3": "How can we reach you?",
        "location": "Where is the pothole?",
        "location_hint": 'For example, "outside 120 Oak Street" or "Main Street and 3rd Avenue"',
        "position": "Which part of the street is it in?", "size": "How big is it?",
        "lanes_blocked": "Are drivers swerving around it or is it blocking a lane?",
        "lanes_blocked_hint": "Answer only if you answered “About as wide as a car tire” or "
                              "“Wider than a car tire” to “How big is it?”.",
        "photo": "Photo (optional)",
        "photo_hint": "A photo helps the crew bring the right amount of asphalt.",
        "photo_rules": "Accepted file types: JPG, PNG. Each file must be smaller than 10 MB.",
        "name": "Your name (optional)", "email": "Your email address",
        "email_hint": "We will only use it to tell you about this report.",
        "phone": "Your phone number (optional)",
        "traffic_lane": "In a traffic lane", "bike_lane": "In a bike lane",
        "crosswalk": "In a crosswalk", "curb": "Next to the curb or gutter",
        "alley": "In an alley", "small": "Smaller than a dinner plate",
        "medium": "About as wide as a car tire", "large": "Wider than a car tire",
        "required": "Enter an answer for “%(title)s”",
        "required_choice": "Select an answer for “%(title)s”",
        "required_email": "Enter an email address for “%(title)s”",
        "choose": "Select one of the options for “%(title)s”",
        "yes_or_no": "Select yes or no for “%(title)s”",
        "too_long": "Your answer to “%(title)s” must be %(num)s characters or fewer",
        "bad_email": "Enter an email address in the right format for “%(title)s”, like "
                     "name@example.com",
        "bad_phone": "Enter a phone number in the right format for “%(title)s”, like "
                     "555-555-0123",
        "file_type": "The selected file for “%(title)s” must be a JPG or PNG",
        "file_size": "The selected file for “%(title)s” must be smaller than 10 MB",
        "file_empty": "The selected file for “%(title)s” is empty",
    },
    "es": {
        "form": "Reportar un bache", "city": "City of Example", "language": "Idioma",
        "skip": "Ir al contenido principal", "track": "Consultar el estado de una solicitud",
        "back": "Atrás", "page_of": "Página %(n)d de %(total)d", "continue": "Continuar",
        "save": "Guardar y continuar más tarde", "problem": "Hay un problema",
        "error": "Error:", "optional": "(opcional)", "yes": "Sí", "no": "No",
        "change": "Cambiar", "not_answered": "Sin responder",
        "check": "Revise sus respuestas antes de enviar", "check_title": "Revise sus respuestas",
        "send_title": "Ahora envíe su formulario",
        "declare": "Al enviar este formulario, usted confirma que, según su leal saber y "
                   "entender, los datos que proporciona son correctos.",
        "send": "Enviar formulario", "sent": "Formulario enviado",
        "reference": "Su número de referencia",
        "confirmation": "Gracias. Le enviaremos un correo electrónico cuando la cuadrilla "
                        "tenga fecha.",
        "security": "Por su seguridad, revise sus respuestas en esta página y vuelva a "
                    "continuar. No se ha perdido nada de lo que escribió.",
        "expired": "Las respuestas que empezó hace más de 30 días se han borrado, porque "
                   "guardamos las respuestas no enviadas durante 30 días. Empiece de nuevo.",
        "page1": "¿Dónde está?", "page2": "Sobre el bache",
        "page3": "¿Cómo podemos comunicarnos con usted?",
        "location": "¿Dónde está el bache?",
        "location_hint": 'Por ejemplo, "frente a 120 Oak Street" o "Main Street y 3rd Avenue"',
        "position": "¿En qué parte de la calle está?", "size": "¿Qué tamaño tiene?",
        "lanes_blocked": "¿Los conductores lo esquivan o bloquea un carril?",
        "lanes_blocked_hint": "Responda solo si respondió “Del ancho de una llanta” o “Más "
                              "ancho que una llanta” a “¿Qué tamaño tiene?”.",
        "photo": "Foto (opcional)",
        "photo_hint": "Una foto ayuda a la cuadrilla a traer la cantidad correcta de asfalto.",
        "photo_rules": "Tipos de archivo aceptados: JPG, PNG. Cada archivo debe pesar menos "
                       "de 10 MB.",
        "name": "Su nombre (opcional)", "email": "Su correo electrónico",
        "email_hint": "Solo lo usaremos para informarle sobre este reporte.",
        "phone": "Su número de teléfono (opcional)",
        "traffic_lane": "En un carril de tráfico", "bike_lane": "En un carril para bicicletas",
        "crosswalk": "En un cruce peatonal", "curb": "Junto a la acera o la cuneta",
        "alley": "En un callejón", "small": "Más pequeño que un plato",
        "medium": "Del ancho de una llanta", "large": "Más ancho que una llanta",
        "required": "Escriba una respuesta para “%(title)s”",
        "required_choice": "Seleccione una respuesta para “%(title)s”",
        "required_email": "Escriba un correo electrónico para “%(title)s”",
        "choose": "Seleccione una de las opciones de “%(title)s”",
        "yes_or_no": "Seleccione sí o no para “%(title)s”",
        "too_long": "Su respuesta a “%(title)s” debe tener %(num)s caracteres como máximo",
        "bad_email": "Escriba un correo electrónico con el formato correcto para “%(title)s”, "
                     "por ejemplo, nombre@ejemplo.com",
        "bad_phone": "Escriba un número de teléfono con el formato correcto para “%(title)s”, "
                     "por ejemplo, 555-555-0123",
        "file_type": "El archivo seleccionado para “%(title)s” debe ser de tipo JPG o PNG",
        "file_size": "El archivo seleccionado para “%(title)s” debe pesar menos de 10 MB",
        "file_empty": "El archivo seleccionado para “%(title)s” está vacío",
    },
}


def language() -> str:
    return getattr(g, "lang", None) or LANGUAGES[0]


def t(key: str) -> str:
    return TEXT[language()][key]


class Message:
    """A validation message in the request's language, resolved when shown (lazy_gettext)."""

    def __init__(self, key: str, field: str, **params: object) -> None:
        self.key, self.field, self.params = key, field, params

    def __str__(self) -> str:
        return t(self.key) % {"title": t(self.field), **self.params}

    def __html__(self) -> str:
        return str(escape(str(self)))

    def __mod__(self, params: object) -> Message:
        return self  # WTForms fills its own placeholders (``%(max)d``); ours are filled above


# --- The questions -------------------------------------------------------------------------------


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _email(form: wtforms.Form, field: wtforms.Field) -> None:
    """One ``@``, nothing blank, a dotted domain (the engine's rule, Unicode allowed)."""
    value = field.data or ""
    local, _, domain = value.partition("@")
    labels = domain.rstrip(".").split(".")
    if (re.search(r"[\s\x00-\x1f\x7f]", value) or value.count("@") != 1 or not local
            or len(local) > 64 or local.startswith(".") or local.endswith(".")
            or ".." in local or len(labels) < 2
            or not all(_DOMAIN_LABEL.match(label) for label in labels)):
        raise ValidationError(Message("bad_email", "email"))


def _phone(form: wtforms.Form, field: wtforms.Field) -> None:
    """Digits with the spaces, dots, dashes and brackets people type; 7 to 15 digits."""
    digits = sum(character.isdigit() for character in field.data)
    if not _TEL.match(field.data) or not 7 <= digits <= 15:
        raise ValidationError(Message("bad_phone", "phone"))


def _only_when_big(form: wtforms.Form, field: wtforms.Field) -> None:
    """Asked only about medium and large potholes; then it must be answered."""
    field.errors[:] = []
    if form.size.data not in BIG:
        raise StopValidation()
    if not field.raw_data or not field.raw_data[0]:
        raise StopValidation(Message("required_choice", "lanes_blocked"))
    if field.data not in ("yes", "no"):
        raise StopValidation(Message("yes_or_no", "lanes_blocked"))


class PageForm(wtforms.Form):
    """A page of the pothole form, with a CSRF token kept in the signed session."""

    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_time_limit = None

        @property
        def csrf_secret(self) -> bytes:
            return current_app.config["SECRET_KEY"].encode()

        @property
        def csrf_context(self) -> Any:
            return session

    title = ""
    number = 0

    def __init__(self, formdata: Any = None, **kwargs: Any) -> None:
        super().__init__(formdata, **kwargs)
        for field in self:
            if isinstance(field, Radios):
                field.choices = [(value, t(value)) for value in field.values]

    def problems(self) -> list[tuple[str, Any]]:
        """``(input id, message)`` of each question with an error, in page order."""
        return [(field.id, field.errors[0]) for field in self
                if field.errors and field.name != "csrf_token"]


class Radios(wtforms.RadioField):
    """Radios that remember the values they offer; ``PageForm`` labels them per language."""

    def __init__(self, label: str | None = None, validators: Any = None, *,
                 values: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(label, validators, choices=[(v, v) for v in values], **kwargs)
        self.values = values


class SendForm(PageForm):
    """The check page's "Send form" button: only its CSRF token."""


# Each question once, in the order the form asks them; each app's pages take the ones they ask.
LOCATION = wtforms.StringField(id="f-location", filters=[_strip], validators=[
    DataRequired(Message("required", "location")),
    Length(max=200, message=Message("too_long", "location", num=200))])
POSITION = Radios(id="f-position", values=POSITIONS, validators=[Optional()],
                  invalid_choice_message=Message("choose", "position"))
SIZE = Radios(id="f-size", values=SIZES,
              validators=[DataRequired(Message("required_choice", "size"))],
              invalid_choice_message=Message("choose", "size"))
LANES_BLOCKED = Radios(id="f-lanes_blocked", values=("yes", "no"), validate_choice=False,
                       validators=[_only_when_big])
NAME = wtforms.StringField(id="f-name", filters=[_strip], validators=[
    Optional(), Length(max=100, message=Message("too_long", "name", num=100))])
EMAIL = wtforms.StringField(id="f-email", filters=[_strip], validators=[
    DataRequired(Message("required_email", "email")), _email])
PHONE = wtforms.StringField(id="f-phone", filters=[_strip], validators=[Optional(), _phone])


# --- Answers -------------------------------------------------------------------------------------


def form_values(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers as a page's fields hold them: yes/no for booleans, no file."""
    return {name: ("yes" if value else "no") if isinstance(value, bool) else value
            for name, value in answers.items() if name != "photo"}


def as_posted(answers: Mapping[str, Any], page: type[PageForm]) -> MultiDict[str, str]:
    """Stored answers as the page would post them, to check them all again before sending."""
    return MultiDict({name: str(value) for name, value in form_values(answers).items()
                      if name in page.__dict__})


def merge_answers(form: PageForm, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The page's answers over the stored ones: yes/no as booleans, a cleared one removed,
    the photo left to the app (it is stored as a file, not an answer)."""
    merged = dict(answers)
    for field in form:
        if field.name in ("csrf_token", "photo"):
            continue
        value = field.data
        if field.name == "lanes_blocked" and value in ("yes", "no"):
            value = value == "yes"
        if value in (None, ""):
            merged.pop(field.name, None)
        else:
            merged[field.name] = value
    return merged


def applicable(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers that apply: whether it blocks a lane is only asked of bigger potholes."""
    kept = dict(answers)
    if kept.get("size") not in BIG:
        kept.pop("lanes_blocked", None)
    return kept


def asked(answers: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """The questions of ``names`` that the check page lists for these answers."""
    return [name for name in names if name != "lanes_blocked" or answers.get("size") in BIG]


def readable(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as the check page shows them: choices and yes/no in the resident's words."""
    shown = dict(answers)
    for choice in ("position", "size"):
        if choice in shown:
            shown[choice] = TEXT[language()].get(shown[choice], shown[choice])
    if "lanes_blocked" in shown:
        shown["lanes_blocked"] = t("yes") if shown["lanes_blocked"] else t("no")
    return shown


# --- Templates ------------------------------------------------------------------------------------

# ``page.html`` asks the three pages' questions; the one-page app swaps in all of them at once.
TEMPLATES = {
    "base.html": """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{% block title %}{% endblock %} – {{ t("city") }}</title>
  <link rel="stylesheet" href="{{ url_for('static', filename='formbuilder.css') }}">
</head>
<body>
  <a class="skip-link" href="#main">{{ t("skip") }}</a>
  <header class="site-header">
    <div class="container header-row">
      <span class="site-name">{{ t("city") }}</span>
      <nav class="language-switch" aria-label="{{ t('language') }}">
        <ul>
        {% for code, name in (("en", "English"), ("es", "Español")) %}
          {% if code == lang %}
          <li><span aria-current="true" lang="{{ code }}">{{ name }}</span></li>
          {% else %}
          <li><a href="{{ url_for(request.endpoint, lang=code, **request.view_args) }}"
                 lang="{{ code }}" hreflang="{{ code }}">{{ name }}</a></li>
          {% endif %}
        {% endfor %}
        </ul>
      </nav>
    </div>
  </header>
  <div class="container">
    {% block before_main %}{% endblock %}
    <main id="main" tabindex="-1">
      {% block main %}{% endblock %}
    </main>
  </div>
  <footer class="site-footer"><div class="container"><p>{{ t("track") }}</p></div></footer>
  {% block scripts %}{% endblock %}
</body>
</html>""",
    "errors.html": """{% if problems %}
<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 class="error-summary__title" id="error-summary-title">{{ t("problem") }}</h2>
<div class="error-summary__body"><ul class="error-summary__list">
{% for id, message in problems %}<li><a href="#{{ id }}">{{ message }}</a></li>
{% endfor %}</ul></div>
</div>
{% endif %}""",
    "page.html": """{% extends "base.html" %}
{% macro error(f) %}{% if f.errors %}<p class="error-message" id="{{ f.id }}--error">
<span class="visually-hidden">{{ t("error") }}</span> {{ f.errors[0] }}</p>
{% endif %}{% endmacro %}
{% macro input(f, type="text", width=None, autocomplete=None, hint=None) %}
<div class="form-group{{ ' form-group--error' if f.errors }}">
<label class="label" for="{{ f.id }}">{{ t(f.name) }}</label>
{% if hint %}<div class="hint" id="{{ f.id }}--hint">{{ t(hint) }}</div>
{% endif %}{{ error(f) }}
{{- f(class="input" ~ (" input--" ~ width if width else "") ~ (" input--error" if f.errors
      else ""), type=type, autocomplete=autocomplete or False,
      aria_describedby=describedby(f, hint) or False) }}
</div>
{% endmacro %}
{% macro radios(f, inline=False, hint=None) %}
<div class="form-group{{ ' form-group--error' if f.errors }}">
{% set described = describedby(f, hint) -%}
<fieldset class="fieldset"{% if described %} aria-describedby="{{ described }}"{% endif %}>
<legend class="fieldset__legend fieldset__legend--m">{{ t(f.name) }}</legend>
{% if hint %}<p class="condition-hint" id="{{ f.id }}--hint">{{ t(hint) }}</p>
{% endif %}{{ error(f) }}<div class="radios{{ ' radios--inline' if inline }}">
{% for choice in f %}<div class="radios__item">
{{ choice(class="radios__input") }}
<label class="label radios__label" for="{{ choice.id }}">{{ choice.label.text }}</label>
</div>
{% endfor %}</div>
</fieldset>
</div>
{% endmacro %}
{% block title %}{% if problems %}{{ t("error") }} {% endif %}{{ t(form.title) -}}
{{ " – " ~ t("form") }}{% endblock %}
{% block before_main %}{% if form.number > 1 %}<nav class="back-nav" aria-label="{{ t('back') }}">
<a class="back-link" href="{{ url_for('page', number=form.number - 1) }}">{{ t("back") }}</a>
</nav>{% endif %}{% endblock %}
{% block main %}
{% include "errors.html" %}
{% if notice %}<div class="notice" role="status"><p>{{ t(notice) }}</p></div>{% endif %}
<span class="caption">{{ t("form") }} · {{ t("page_of") % {"n": form.number, "total": 3} }}</span>
<h1>{{ t(form.title) }}</h1>
<form method="post" novalidate
 action="{{ url_for('page', number=form.number, change=1 if change else None) }}"
 {%- if form.number == 2 %} enctype="multipart/form-data"{% endif %}>
  {{ form.csrf_token }}
{% if form.number == 1 %}
{{ input(form.location, width="long", autocomplete="street-address", hint="location_hint") }}
{{ radios(form.position) }}
{% elif form.number == 2 %}
{{ radios(form.size) }}
<div class="conditional" id="f-lanes_blocked--conditional" data-condition="size">
{{ radios(form.lanes_blocked, inline=True, hint="lanes_blocked_hint") }}
</div>
<div class="form-group{{ ' form-group--error' if form.photo.errors }}">
<label class="label" for="f-photo">{{ t("photo") }}</label>
<div class="hint" id="f-photo--hint"><p class="body">{{ t("photo_hint") }}</p>
<p class="body">{{ t("photo_rules") }}</p></div>
{{ error(form.photo) }}{{ form.photo(class="file-upload", accept="image/jpeg,image/png",
                                     aria_describedby=describedby(form.photo, True)) }}
</div>
{% else %}
{{ input(form.name, width="medium", autocomplete="name") }}
{{ input(form.email, type="email", width="medium", autocomplete="email", hint="email_hint") }}
{{ input(form.phone, type="tel", width="short", autocomplete="tel") }}
{% endif %}
  <div class="button-group">
    <button class="button" type="submit">{{ t("continue") }}</button>
    <button class="button button-secondary" type="submit" name="_save"
            value="1">{{ t("save") }}</button>
  </div>
</form>
{% endblock %}
{% block scripts %}
<script src="{{ url_for('static', filename='conditional.js') }}" defer></script>
{% endblock %}""",
    "check.html": """{% extends "base.html" %}
{% block title %}{{ t("check_title") }} – {{ t("form") }}{% endblock %}
{% block main %}
{% include "errors.html" %}
<span class="caption">{{ t("form") }}</span>
<h1>{{ t("check") }}</h1>
<div class="check-answers">
{% for page, rows in sections %}
<section class="check-answers__section">
<h2 class="heading-m">{{ t(page.title) }}</h2>
<dl class="summary-list">
{% for name, value in rows %}
<div class="summary-list__row">
<dt class="summary-list__key">{{ t(name) }}</dt>
<dd class="summary-list__value">{% if value is none -%}
<span class="secondary-text">{{ t("not_answered") }}</span>
{%- else %}{{ value }}{% endif %}</dd>
<dd class="summary-list__actions"><a class="link"
 href="{{ url_for('page', number=page.number, change=1) }}#f-{{ name }}">{{ t("change") }}
<span class="visually-hidden"> {{ t(name) }}</span></a></dd>
</div>
{% endfor %}
</dl>
</section>
{% endfor %}
</div>
{% if not problems %}
<h2>{{ t("send_title") }}</h2>
<p>{{ t("declare") }}</p>
<form method="post" action="{{ url_for('submit') }}">
  {{ csrf.csrf_token }}
  <input type="hidden" name="key" value="{{ key }}">
  <button class="button" type="submit">{{ t("send") }}</button>
</form>
{% endif %}
{% endblock %}""",
    "done.html": """{% extends "base.html" %}
{% block title %}{{ t("sent") }} – {{ t("form") }}{% endblock %}
{% block main %}
<div class="panel">
  <h1 class="panel-title">{{ t("sent") }}</h1>
  <div class="panel-body">{{ t("reference") }}<br>
  <strong class="reference">{{ reference }}</strong></div>
</div>
<div class="confirmation"><p class="body">{{ t("confirmation") }}</p></div>
{% endblock %}""",
}


def describedby(field: wtforms.Field, hint: Any) -> str:
    """The ids of a question's hint and error, for ``aria-describedby``."""
    ids = [f"{field.id}--hint"] if hint else []
    return " ".join([*ids, f"{field.id}--error"] if field.errors else ids)


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# --- The app -------------------------------------------------------------------------------------


def new_app(import_name: str, database: Database, form_id: str, *, secret_key: str,
            templates: Mapping[str, str], **config: Any) -> tuple[Flask, FormVersion]:
    """A Flask app with the session, templates and headers of both apps, and the form's
    version, which must already be published (``LookupError`` if it is not)."""
    app = Flask(import_name)
    app.config.update(SECRET_KEY=secret_key, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=30 * 24 * 3600,
                      **config)
    app.jinja_loader = DictLoader(dict(templates))
    app.jinja_env.globals.update(t=t, describedby=describedby)
    app.context_processor(_words)
    app.after_request(_protect)
    with database.session() as db:  # committed, not rolled back: the row stays loaded
        version = publishing.latest_version(db, form_id)
    if version is None:
        raise LookupError(f"Publish {form_id} before starting its app")
    return app, version


def _words() -> dict[str, Any]:
    return {"lang": language()}


def _protect(response: Response) -> Response:
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def load_draft(db: Session) -> tuple[Draft | None, str | None]:
    """The resident's draft and its token; one that has expired is forgotten (and noted in
    ``g.draft_expired``, for a page that says so)."""
    token = session.get("draft")
    draft = drafts.load_draft(db, token) if token else None
    if token and draft is None:
        g.draft_expired = True
        session.pop("draft", None)
    return draft, token if draft else None


def draft_to_save(db: Session, version: FormVersion) -> Draft:
    """The resident's draft, started now if there is none (its token kept in the session)."""
    draft, _ = load_draft(db)
    if draft is None:
        draft, token = drafts.start_draft(db, version, language())
        session["draft"] = token
    return draft


def idempotency_key(token: str) -> str:
    return hashlib.sha256(f"submit:{token}".encode()).hexdigest()[:40]


# What the check page lists: each page, with its questions' (name, answer shown) rows.
Sections = list[tuple[type[PageForm], list[tuple[str, Any]]]]


def add_check_send_and_done(
        app: Flask, database: Database, version: FormVersion, form_id: str, *,
        review: Callable[[Session, dict[str, Any]], tuple[Sections, list[tuple[str, Any]]]],
        recheck: Callable[[Mapping[str, Any]], list[Any]] | None = None) -> None:
    """The steps after the questions, alike in both apps. The check page lists what
    ``review`` makes of the draft's answers (each page's rows, the problems found), with
    "Send form" when there is no problem; sending stores one submission per key (with
    ``recheck``, only answers it finds no problem in); then the confirmation page."""

    @app.route(f"/forms/{form_id}/check")
    def check() -> Any:
        with database.session(readonly=True) as db:
            draft, token = load_draft(db)
            if draft is None or token is None:
                return redirect(url_for("page", number=1))
            sections, problems = review(db, applicable(draft.answers))
        return render_template("check.html", sections=sections, problems=problems,
                               key=idempotency_key(token), csrf=SendForm())

    @app.route(f"/forms/{form_id}/submit", methods=["POST"])
    def submit() -> Any:
        key = request.form.get("key", "")[:64]
        with database.session() as db:
            existing = submissions.get_by_key(db, form_id, key) if key else None
            if existing is not None:
                return redirect(url_for("done", reference=existing.reference))
            if not SendForm(request.form).validate():
                abort(400)
            draft, token = load_draft(db)
            if draft is None or token is None or key != idempotency_key(token):
                return redirect(url_for("check"))
            answers = applicable(draft.answers)
            if recheck is not None and recheck(answers):
                return redirect(url_for("check"))
            photo = [answers["photo"]] if isinstance(answers.get("photo"), str) else []
            created, _ = submissions.create_submission(
                db, version, answers, language=language(), idempotency_key=key,
                attachment_ids=photo)
            drafts.delete_draft(db, draft)
            reference = created.reference
        session.pop("draft", None)
        return redirect(url_for("done", reference=reference))

    @app.route(f"/forms/{form_id}/done/<reference>")
    def done(reference: str) -> Any:
        with database.session(readonly=True) as db:
            found = submissions.get_by_reference(db, reference)
            if found is None or found.form_id != form_id:
                abort(404)
            reference = found.reference  # read before the session's rollback expires it
        return render_template("done.html", reference=reference)
