"""What each email says, read from the database when the job runs.

The job's payload names only the event, the recipient, the kind and the language; everything
else (the form's title, the reference, the comment, the link) is read now, so a message never
carries stale or duplicated data, and what a resident typed only ever reaches a template as a
value to escape. Residents read their own language (``Submission.language``); staff read
English, as staff accounts have no language of their own yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from formbuilder import timezones
from formbuilder.links import Links
from formbuilder.models import Attachment, Draft, Event, Submission
from formbuilder.services import publishing, routing
from schemas import Form
from schemas.i18n import gettext

RESIDENT_KINDS = frozenset({"receipt", "decision", "return", "resume"})
STAFF_KINDS = frozenset({"task", "reminder", "escalation", "notice"})
KINDS = RESIDENT_KINDS | STAFF_KINDS
STAFF_LANGUAGE = "en"
MAX_FACT_LENGTH = 500
Config = Mapping[str, Any]  # the app's settings: CITY_NAME, SECRET_KEY, BASE_URL


class NothingToSay(Exception):
    """The message no longer makes sense (the submission was purged, the return answered)."""


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class FileToAttach:
    name: str
    data: bytes
    media_type: str


@dataclass
class Letter:
    """One email's content, before it becomes an ``EmailMessage``; every text is plain."""

    subject: str
    city: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    quote: str | None = None
    link: Link | None = None
    facts: list[tuple[str, str]] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)
    files: list[FileToAttach] = field(default_factory=list)


def compose(config: Mapping[str, Any], session: Session, storage: Any,
            payload: Mapping[str, Any], secret: str | None = None) -> Letter:
    """The letter a job's payload asks for; :class:`NothingToSay` when it no longer applies.

    ``config`` is the app's (``CITY_NAME``, ``SECRET_KEY``, ``BASE_URL`` for the links);
    ``secret`` is the resume link's token, unsealed by the caller (``kind == "resume"``).
    """
    kind = payload.get("kind")
    if kind not in KINDS:
        raise ValueError(f"Unknown email kind {kind!r}")
    if kind == "resume":
        return _resume(config, session, payload, secret)
    event = session.get(Event, int(payload["event"]))
    if event is None:
        raise NothingToSay("The event this email is about no longer exists")
    submission = session.get(Submission, event.submission_id)
    if submission is None:
        raise NothingToSay("The submission this email is about no longer exists")
    form = routing.form_for(submission)
    lang = submission.language if kind in RESIDENT_KINDS else STAFF_LANGUAGE
    builder = _BUILDERS[kind]
    return builder(config, session, storage, form, submission, event, lang)


# --- Residents ------------------------------------------------------------------------------


def _receipt(config: Config, session: Session, storage: Any, form: Form, submission: Submission,
             event: Event, lang: str) -> Letter:
    from formbuilder.services.documents import answers_as_of, receipt_pdf

    title = form.title.get(lang)
    letter = _letter(config, lang, gettext(lang, "We received your form: %(reference)s",
                                        reference=submission.reference),
                     gettext(lang, "We received your form"))
    letter.paragraphs = [
        gettext(lang, "Thank you. We received “%(title)s” on %(date)s.", title=title,
                date=_date(config, submission.created_at)),
        gettext(lang, "Your reference is %(reference)s. Keep it: you need it to follow your "
                "form or to ask about it.", reference=submission.reference),
        gettext(lang, "A copy of your answers is attached as a PDF."),
    ]
    letter.link = Link(gettext(lang, "Follow your form"), Links.of(config).track(lang))
    # As sent: the job may run long after, when staff have acted on the submission.
    letter.facts = _answers(session, form, submission, lang,
                            answers_as_of(session, submission, event))
    pdf = receipt_pdf(session, storage, submission, event, city_name=config["CITY_NAME"],
                      time_zone=_zone(config))
    letter.files = [FileToAttach(f"{submission.reference}.pdf", pdf, "application/pdf")]
    return letter


def _decision(config: Config, session: Session, storage: Any, form: Form, submission: Submission,
              event: Event, lang: str) -> Letter:
    title = form.title.get(lang)
    reference = submission.reference
    if event.kind == "rejected":
        letter = _letter(config, lang, gettext(lang, "Your form was not approved: %(reference)s",
                                            reference=reference),
                         gettext(lang, "Your form was not approved"))
        letter.paragraphs = [gettext(lang, "We are sorry: “%(title)s” (reference "
                                     "%(reference)s) was not approved.", title=title,
                                     reference=reference),
                             gettext(lang, "The reason given:")]
        letter.quote = (event.data or {}).get("comment") or ""
    else:
        letter = _letter(config, lang, gettext(lang, "Your form was approved: %(reference)s",
                                            reference=reference),
                         gettext(lang, "Your form was approved"))
        letter.paragraphs = [gettext(lang, "Good news: “%(title)s” (reference %(reference)s) "
                                     "was approved.", title=title, reference=reference)]
    letter.link = Link(gettext(lang, "Follow your form"), Links.of(config).track(lang))
    return letter


def _return(config: Config, session: Session, storage: Any, form: Form, submission: Submission,
            event: Event, lang: str) -> Letter:
    """The signed link is made now and only while this return is still the open one."""
    if routing.open_return(routing.history(session, submission)) is not event:
        raise NothingToSay("The resident already answered this return for changes")
    token = routing.return_token(submission, event, config["SECRET_KEY"])
    reference = submission.reference
    letter = _letter(config, lang, gettext(lang, "Changes needed to your form: %(reference)s",
                                        reference=reference),
                     gettext(lang, "We need you to change your form"))
    letter.paragraphs = [
        gettext(lang, "Before we can go on with “%(title)s” (reference %(reference)s), we need "
                "you to change some answers. What we asked:", title=form.title.get(lang),
                reference=reference)]
    letter.quote = (event.data or {}).get("comment") or ""
    letter.link = Link(gettext(lang, "Change your answers"),
                       Links.of(config).returned(token, lang))
    letter.closing = [gettext(lang, "The link works for 30 days, once. Keep it private: anyone "
                              "with it can see your answers.")]
    return letter


def _resume(config: Config, session: Session, payload: Mapping[str, Any],
            secret: str | None) -> Letter:
    from formbuilder.services import drafts

    draft = session.get(Draft, int(payload["draft"]))
    if draft is None or secret is None or drafts.load_draft(session, secret) is not draft:
        raise NothingToSay("The saved answers this link opened have expired or were sent")
    lang = str(payload.get("lang") or draft.language)
    title = publishing.form_of(draft.form_version).title.get(lang)
    letter = _letter(config, lang, gettext(lang, "Your saved form: %(title)s", title=title),
                     gettext(lang, "Your answers have been saved"))
    letter.paragraphs = [gettext(lang, "To come back to your form, use this link. Keep it "
                                 "private: anyone with the link can see your answers.")]
    letter.link = Link(gettext(lang, "Continue filling in the form"),
                       Links.of(config).resume(secret, lang))
    letter.closing = [gettext(lang, "The link works until %(date)s.",
                              date=_date(config, draft.expires_at))]
    return letter


# --- Staff ----------------------------------------------------------------------------------


def _task(config: Config, session: Session, storage: Any, form: Form, submission: Submission,
          event: Event, lang: str) -> Letter:
    step = _step_name(form, event, lang)
    letter = _letter(config, lang, gettext(lang, "New task: %(step)s for %(reference)s",
                                        step=step, reference=submission.reference),
                     gettext(lang, "A submission is waiting for you"))
    letter.paragraphs = [gettext(lang, "“%(title)s” %(reference)s is at the step “%(step)s”, "
                                 "which you can act on.", title=form.title.get(lang),
                                 reference=submission.reference, step=step)]
    return _staff_link(config, letter, submission, lang)


def _reminder(config: Config, session: Session, storage: Any, form: Form, submission: Submission,
              event: Event, lang: str) -> Letter:
    step = _step_name(form, event, lang)
    letter = _letter(config, lang, gettext(lang, "Overdue: %(step)s for %(reference)s", step=step,
                                        reference=submission.reference),
                     gettext(lang, "A task is overdue"))
    letter.paragraphs = [gettext(lang, "The step “%(step)s” of “%(title)s” %(reference)s is "
                                 "past its due time.", step=step, title=form.title.get(lang),
                                 reference=submission.reference)]
    return _staff_link(config, letter, submission, lang)


def _escalation(config: Config, session: Session, storage: Any, form: Form,
                submission: Submission, event: Event, lang: str) -> Letter:
    step = _step_name(form, event, lang)
    letter = _letter(config, lang, gettext(lang, "Escalated to you: %(step)s for %(reference)s",
                                        step=step, reference=submission.reference),
                     gettext(lang, "A task was escalated to you"))
    letter.paragraphs = [gettext(lang, "The step “%(step)s” of “%(title)s” %(reference)s was "
                                 "not done in time and is now yours to act on too.", step=step,
                                 title=form.title.get(lang), reference=submission.reference)]
    return _staff_link(config, letter, submission, lang)


def _notice(config: Config, session: Session, storage: Any, form: Form, submission: Submission,
            event: Event, lang: str) -> Letter:
    """What a form's ``notify`` list tells staff who are not the ones acting."""
    what = {
        "submitted": gettext(lang, "was submitted"),
        "approved": gettext(lang, "was approved"),
        "rejected": gettext(lang, "was rejected"),
        "returned": gettext(lang, "was returned to the resident for changes"),
        "overdue": gettext(lang, "is overdue"),
    }.get(event.kind, event.kind)
    letter = _letter(config, lang, f"{submission.reference}: {what}",
                     f"“{form.title.get(lang)}” {submission.reference} {what}")
    comment = (event.data or {}).get("comment")
    if comment:
        letter.quote = comment
    return _staff_link(config, letter, submission, lang)


_BUILDERS = {"receipt": _receipt, "decision": _decision, "return": _return, "task": _task,
             "reminder": _reminder, "escalation": _escalation, "notice": _notice}


# --- Helpers --------------------------------------------------------------------------------


def _letter(config: Config, lang: str, subject: str, heading: str) -> Letter:
    return Letter(subject=subject, city=str(config["CITY_NAME"]), heading=heading,
                  closing=[gettext(lang, "This email was sent automatically; replies are not "
                                   "read.")])


def _staff_link(config: Config, letter: Letter, submission: Submission,
                lang: str) -> Letter:
    letter.link = Link(gettext(lang, "Open the submission"),
                       Links.of(config).staff_submission(submission.reference))
    return letter


def _step_name(form: Form, event: Event, lang: str) -> str:
    index = (event.data or {}).get("step")
    if isinstance(index, int) and 0 <= index < len(form.routing):
        return form.routing[index].name.get(lang)
    return str(index)


def _zone(config: Config) -> str:
    return str(config.get("TIME_ZONE") or timezones.DEFAULT)


def _date(config: Config, moment: datetime) -> str:
    """A time in the city's zone, named (``2030-03-01 09:00 CST``): a UTC date alone can be
    the resident's tomorrow or yesterday."""
    return timezones.shown(moment, _zone(config))


def _answers(session: Session, form: Form, submission: Submission,
             lang: str, answers: Mapping[str, Any] | None = None) -> list[tuple[str, str]]:
    """The top-level answers (the current ones unless ``answers`` is given) as plain text;
    groups and repeats are in the attached PDF."""
    given = submission.answers if answers is None else answers
    files = {row.id: row.file_name for row in session.scalars(
        select(Attachment).where(Attachment.submission_id == submission.id))}
    facts = [(gettext(lang, "Reference"), submission.reference)]
    for question in form.top_fields:
        value = given.get(question.path)
        text = _plain(value, files, lang)
        if text:
            facts.append((question.title.get(lang) or question.path, text[:MAX_FACT_LENGTH]))
    return facts


def _plain(value: Any, files: Mapping[str, str], lang: str) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return gettext(lang, "Yes") if value else gettext(lang, "No")
    if isinstance(value, str):
        return files.get(value, value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(_plain(v, files, lang) for v in value)
    return gettext(lang, "See the attached PDF")
