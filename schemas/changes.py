"""What changes for residents and staff between two versions of a form, in plain words.

A text diff of the form file tells a publisher which lines moved; it does not tell them that a
question became required or a routing step now goes to another team. :func:`changes` compares
two checked :class:`Form` objects question by question and step by step, so the author asking
for publication and the publisher signing it off read the same list of consequences.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

from schemas.conditions import Condition
from schemas.fields import Field
from schemas.flow import describe_branch
from schemas.localized import Localized
from schemas.model import Form, Step

Kind = Literal["added", "removed", "reworded", "required", "optional", "choices",
               "condition", "routing", "translation", "form"]


@dataclass(frozen=True)
class Change:
    """One consequence of publishing: ``kind`` for grouping, ``text`` for people."""

    kind: Kind
    text: str
    field: str | None = None


def changes(old: Form | None, new: Form) -> list[Change]:
    """Every change from ``old`` (the live version, or ``None`` for a new form) to ``new``."""
    if old is None:
        found = [Change("form", f"A new form: “{new.title.default}” with "
                        f"{_count(len(_questions(new)), 'question')} and "
                        f"{_count(len(new.routing), 'routing step')}.")]
        return [*found, *_missing_translations(new)]
    return [*_form_changes(old, new), *_question_changes(old, new),
            *_routing_changes(old, new), *_missing_translations(new)]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _questions(form: Form) -> dict[str, Field]:
    return {path: f for path, f in form.fields.items()}


def _form_changes(old: Form, new: Form) -> Iterator[Change]:
    for label, before, after in (
            ("The title", old.title.default, new.title.default),
            ("The description", _text(old.description), _text(new.description)),
            ("The confirmation message", _text(old.confirmation), _text(new.confirmation)),
            ("The department", _text(old.department), _text(new.department)),
            ("The reference prefix", old.reference_prefix, new.reference_prefix),
            ("The first day it is open", _day(old.open_from), _day(new.open_from)),
            ("The last day it is open", _day(old.open_until), _day(new.open_until)),
            ("The question holding the applicant's email", old.applicant_email or "",
             new.applicant_email or ""),
            ("How long submissions are kept", str(old.retention or ""),
             str(new.retention or ""))):
        if before != after:
            yield Change("form", f"{label} changes from {_shown(before)} to {_shown(after)}.")
    if old.languages != new.languages:
        yield Change("form", f"The languages change from {', '.join(old.languages)} to "
                     f"{', '.join(new.languages)}.")
    if dict(old.notify) != dict(new.notify):
        yield Change("form", "Who is emailed changes (notify): "
                     f"{_notify(old)} becomes {_notify(new)}.")
    if [w.url for w in old.webhooks] != [w.url for w in new.webhooks]:
        yield Change("form", "The addresses other city systems are told at (webhooks) change.")
    old_pages = [(p.title.default, p.fields, _when(p.when)) for p in old.pages]
    new_pages = [(p.title.default, p.fields, _when(p.when)) for p in new.pages]
    if old_pages != new_pages:
        titles = " / ".join(p[0] or "(one page)" for p in new_pages)
        yield Change("form", f"The pages change; they are now: {titles}.")
        for title, _, when in new_pages:
            was = next((w for t, _, w in old_pages if t == title), None)
            if when != was and when:
                yield Change("condition", f"The page “{title}” is shown only when `{when}`"
                             + (f" (was `{was}`)." if was else "."))


def _question_changes(old: Form, new: Form) -> Iterator[Change]:
    before, after = _questions(old), _questions(new)
    for path, field in after.items():
        if path not in before:
            required = " (required)" if field.required else ""
            yield Change("added", f"Added: “{field.title.default}” (`{path}`){required}.", path)
    for path, field in before.items():
        if path not in after:
            yield Change("removed", f"Removed: “{field.title.default}” (`{path}`). Answers "
                         "already sent keep it.", path)
    for path, field in after.items():
        was = before.get(path)
        if was is not None:
            yield from _question_change(old, new, was, field)


def _question_change(old: Form, new: Form, was: Field, now: Field) -> Iterator[Change]:
    name = f"“{now.title.default}” (`{now.path}`)"
    if was.title.default != now.title.default:
        yield Change("reworded", f"Reworded: “{was.title.default}” is now "
                     f"“{now.title.default}” (`{now.path}`).", now.path)
    if _text(was.description) != _text(now.description):
        yield Change("reworded", f"The help text of {name} changes.", now.path)
    if now.required and not was.required:
        yield Change("required", f"Newly required: {name}.", now.path)
    if was.required and not now.required:
        yield Change("optional", f"No longer required: {name}.", now.path)
    if was.kind != now.kind:
        yield Change("reworded", f"{name} changes from a {was.kind} question to a "
                     f"{now.kind} question.", now.path)
    old_choices = {c.value: c.label.default for c in was.choices}
    new_choices = {c.value: c.label.default for c in now.choices}
    if old_choices != new_choices:
        added = [label for value, label in new_choices.items() if value not in old_choices]
        gone = [label for value, label in old_choices.items() if value not in new_choices]
        relabelled = [f"“{old_choices[v]}” is now “{label}”" for v, label in new_choices.items()
                      if v in old_choices and old_choices[v] != label]
        parts = ([f"added {_quoted(added)}"] if added else []) + (
            [f"removed {_quoted(gone)}"] if gone else []) + relabelled
        yield Change("choices", f"Choices of {name}: {'; '.join(parts) or 'reordered'}.",
                     now.path)
    rule_before, rule_after = describe_branch(old, was), describe_branch(new, now)
    if rule_before != rule_after or was.conditional != now.conditional:
        after = rule_after or ("asked only under a condition" if now.conditional
                               else "always asked")
        yield Change("condition", f"When {name} is asked changes: {after}", now.path)


def _routing_changes(old: Form, new: Form) -> Iterator[Change]:
    width = max(len(old.routing), len(new.routing))
    for index in range(width):
        was = old.routing[index] if index < len(old.routing) else None
        now = new.routing[index] if index < len(new.routing) else None
        if was is None and now is not None:
            yield Change("routing", f"Routing step {index + 1} added: {_step(now)}.")
        elif now is None and was is not None:
            yield Change("routing", f"Routing step {index + 1} removed: {_step(was)}. "
                         "Submissions already in review keep their steps.")
        elif was is not None and now is not None and _step(was) != _step(now):
            if _when(was.when) != _when(now.when):
                yield Change("condition", f"Routing step {index + 1} (“{now.name.default}”) "
                             f"runs {_runs(now)} (was {_runs(was)}).")
            if (was.name.default, was.assignees, was.due, was.escalate_to) != (
                    now.name.default, now.assignees, now.due, now.escalate_to):
                yield Change("routing", f"Routing step {index + 1} changes from "
                             f"{_step(was)} to {_step(now)}.")


def _missing_translations(form: Form) -> Iterator[Change]:
    """Texts a declared language lacks: residents reading it see the default language."""
    for lang in form.languages[1:]:
        missing = [f"“{text.default}”" for text in _texts(form) if lang not in text.translations]
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more"
                                              if len(missing) > 5 else "")
            yield Change("translation", f"Missing in {lang}: {shown}; residents reading {lang} "
                         "see these in the default language.")


def _texts(form: Form) -> Iterator[Localized]:
    yield form.title
    for field in form.fields.values():
        yield field.title
    for step in form.routing:
        yield step.name


def _step(step: Step) -> str:
    who = " and ".join(step.assignees) or "nobody"
    parts = [f"“{step.name.default}” by {who}"]
    if step.when is not None:
        parts.append(f"when `{step.when.text}`")
    if step.due is not None:
        days = step.due.total_seconds() / 86400
        parts.append(f"due in {_count(int(days), 'day')}" if days >= 1 and days.is_integer()
                     else f"due in {_count(int(step.due.total_seconds() // 3600), 'hour')}")
    if step.escalate_to:
        parts.append(f"escalating to {step.escalate_to}")
    return ", ".join(parts)


def _runs(step: Step) -> str:
    return f"only when `{step.when.text}`" if step.when is not None else "always"


def _when(condition: Condition | None) -> str | None:
    return condition.text if condition is not None else None


def _text(value: Localized | None) -> str:
    return value.default if value is not None else ""


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _shown(text: str) -> str:
    if not text:
        return "nothing"
    return f"“{text[:120]}…”" if len(text) > 120 else f"“{text}”"


def _quoted(labels: list[str]) -> str:
    return ", ".join(f"“{label}”" for label in labels)


def _notify(form: Form) -> str:
    if not form.notify:
        return "the defaults"
    return "; ".join(f"{event}: {', '.join(who)}" for event, who in form.notify.items())
