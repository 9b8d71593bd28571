"""The one parsed form model that the renderers, the workflow engine and the app share.

A ``Form`` is built only from a definition that passed the checker, so its users never have to
re-validate raw dictionaries.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from schemas.fields import Field
from schemas.i18n import gettext
from schemas.localized import Localized, localized
from schemas.refs import LocalRefs, RefError

if TYPE_CHECKING:
    from schemas.conditions import Condition, Expression
    from schemas.validation import FieldError

NOTIFY_EVENTS = ("on_submit", "on_decision", "on_return", "on_overdue")
_AMOUNT = re.compile(r"^\s*(?P<count>[1-9][0-9]*)\s+(?P<unit>[a-z]+?)s?\s*$")


_DURATION_UNITS = {"hour": timedelta(hours=1), "day": timedelta(days=1),
                   "week": timedelta(weeks=1)}


def parse_duration(text: str) -> timedelta:
    """``4 hours``, ``2 days`` or ``2 weeks`` as a timedelta."""
    match = _AMOUNT.match(text)
    if not match or match["unit"] not in _DURATION_UNITS:
        raise ValueError(f"{text!r} is not a duration like '4 hours', '2 days' or '2 weeks'")
    return int(match["count"]) * _DURATION_UNITS[match["unit"]]


@dataclass(frozen=True)
class Retention:
    """How long submissions are kept: calendar months and years, not fixed day counts."""

    count: int
    unit: Literal["day", "month", "year"]

    @classmethod
    def parse(cls, text: str) -> Retention:
        match = _AMOUNT.match(text)
        if not match or match["unit"] not in ("day", "month", "year"):
            raise ValueError(f"{text!r} is not a period like '90 days', '6 months' or '3 years'")
        return cls(int(match["count"]), match["unit"])  # type: ignore[arg-type]

    def expires(self, start: datetime) -> datetime:
        """When something kept from ``start`` is due to be purged."""
        if self.unit == "day":
            return start + timedelta(days=self.count)
        months = self.count * (12 if self.unit == "year" else 1)
        year, month = divmod(start.month - 1 + months, 12)
        year += start.year
        day = min(start.day, calendar.monthrange(year, month + 1)[1])
        return start.replace(year=year, month=month + 1, day=day)

    def __str__(self) -> str:
        return f"{self.count} {self.unit}{'s' if self.count != 1 else ''}"


WEBHOOK_EVENTS = ("submit", "decision")


@dataclass(frozen=True)
class Webhook:
    """An address another city system receives a form's news at; the secret that signs what
    is sent lives in the server's settings, never in the form file."""

    url: str
    on: tuple[str, ...] = WEBHOOK_EVENTS


@dataclass(frozen=True)
class Page:
    title: Localized
    fields: tuple[str, ...]
    when: Condition | None = None
    description: Localized | None = None


@dataclass(frozen=True)
class Step:
    """One approval step of a form's routing.

    ``fields`` are the step's own questions ("for office use only"), by their names inside the
    step; ``questions`` is a form of just those, so the renderers and the residents' plain-word
    validation draw and judge them with no code of their own. Elsewhere (conditions, computed
    values, the checker) they are named ``<key>.<field>``, like ``Inspection.result``.
    """

    name: Localized
    assign: str | None = None
    all_of: tuple[str, ...] = ()
    when: Condition | None = None
    due: timedelta | None = None
    escalate_to: str | None = None
    fields: Mapping[str, Field] = field(default_factory=dict)
    required_to_approve: tuple[str, ...] = ()
    show_resident: bool = False
    questions: Form | None = None

    @property
    def assignees(self) -> tuple[str, ...]:
        return self.all_of or ((self.assign,) if self.assign else ())

    @property
    def key(self) -> str:
        """How conditions name the step: its name with spaces as ``_`` (``Plan_review``)."""
        return step_key(self.name.default)

    def validate(self, values: Mapping[str, Any], *, approving: bool,
                 lang: str | None = None) -> list[FieldError]:
        """Problems with what an approver entered; only approving needs
        ``required_to_approve`` (a return or a rejection may leave the fields blank)."""
        if self.questions is None:
            return []
        errors = self.questions.validate(values, lang)
        if approving:
            return errors
        return [e for e in errors if not (e.code == "required" and "." not in e.path)]


def step_key(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip())


@dataclass(frozen=True)
class Computed:
    """A value the form works out from answers (and steps' fields): an arithmetic
    ``expression`` or a ``table`` looked up by the answer to ``source``; never run as code."""

    name: str
    title: Localized
    expression: Expression | None = None
    source: str | None = None
    table: tuple[tuple[Any, Any], ...] = ()
    otherwise: Any = None

    @property
    def value_type(self) -> str:
        if self.expression is not None:
            return "number"
        values = [value for _, value in self.table] + (
            [self.otherwise] if self.otherwise is not None else [])
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        return "number" if numeric else "text"

    @property
    def choices(self) -> tuple[Any, ...] | None:
        """A text table's values, so conditions on them are checked like choices; numbers
        are compared by size, so any number may be written."""
        if self.value_type == "number":
            return None
        values = [value for _, value in self.table]
        return tuple(dict.fromkeys([*values, *([self.otherwise] if self.otherwise is not None
                                                else [])]))

    def evaluate(self, facts: Mapping[str, Any]) -> Any:
        """The value for ``facts`` (answers with steps' fields), or ``None``."""
        from schemas.conditions import _answers_of
        from schemas.fields import label_key

        if self.expression is not None:
            return self.expression.evaluate(facts)
        found = [a for a in _answers_of(facts, self.source or "") if a is not None]
        if len(found) == 1:
            wanted = label_key(found[0])
            for key, value in self.table:
                if label_key(key) == wanted:
                    return value
        return self.otherwise


@dataclass(frozen=True, eq=False)
class Form:
    """A checked form definition; compared and hashed by identity, as caches key on it."""

    id: str
    title: Localized
    schema: Mapping[str, Any]
    draft: str
    fields: Mapping[str, Field]
    pages: tuple[Page, ...]
    languages: tuple[str, ...] = ("en",)
    description: Localized | None = None
    confirmation: Localized | None = None
    department: Localized | None = None
    keywords: tuple[str, ...] = ()
    reference_prefix: str = "F"
    applicant_email: str | None = None
    summary: tuple[str, ...] = ()  # one to three questions that tell cases apart in lists
    retention: Retention | None = None
    open_from: date | None = None
    open_until: date | None = None
    routing: tuple[Step, ...] = ()
    notify: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    webhooks: tuple[Webhook, ...] = ()
    computed: Mapping[str, Computed] = field(default_factory=dict)
    ui: Mapping[str, Any] = field(default_factory=dict)
    definition: Mapping[str, Any] = field(default_factory=dict)
    source_name: str = ""

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def step_fields(self, before: int | None = None) -> dict[str, Field]:
        """The steps' own fields by the names conditions use (``Inspection.result``), of the
        steps before step ``before`` (all steps when ``None``): a step can only depend on
        what earlier steps entered."""
        steps = self.routing if before is None else self.routing[:max(before, 0)]
        return {f"{step.key}.{path}": found for step in steps
                for path, found in step.fields.items()}

    def facts(self, answers: Mapping[str, Any] | None,
              office: Mapping[int, Mapping[str, Any]] | None = None) -> dict[str, Any]:
        """What conditions and computed values read: the answers, each step's entered
        fields under the step's key, and the computed values."""
        facts: dict[str, Any] = dict(answers) if isinstance(answers, Mapping) else {}
        for index, values in (office or {}).items():
            if 0 <= index < len(self.routing) and self.routing[index].fields:
                facts[self.routing[index].key] = dict(values)
        results = {name: item.evaluate(facts) for name, item in self.computed.items()}
        facts.update(results)
        return facts

    def computed_values(self, answers: Mapping[str, Any] | None,
                        office: Mapping[int, Mapping[str, Any]] | None = None
                        ) -> dict[str, Any]:
        """Each computed value that has one, by name, in the order the file gives them."""
        facts = self.facts(answers, office)
        return {name: facts[name] for name in self.computed if facts.get(name) is not None}

    @property
    def top_fields(self) -> list[Field]:
        """The questions at the top of the schema, in the order they are asked."""
        order = [name for page in self.pages for name in page.fields]
        rest = [f.path for f in self.fields.values() if f.parent is None and f.path not in order]
        return [self.fields[path] for path in [*order, *rest] if path in self.fields]

    def children(self, path: str) -> list[Field]:
        """The questions directly inside a group or repeating group."""
        return [f for f in self.fields.values() if f.parent == path]

    def applicant_email_in(self, answers: Mapping[str, Any] | None) -> str | None:
        """The resident's email address in ``answers``, stripped, or ``None``.

        The one way to read it: ``applicant_email`` may name a question inside a group
        (``contact.email``), so receipts, decisions, returns and /track must not each look up
        ``answers[applicant_email]`` and disagree about who the applicant is.
        """
        if not self.applicant_email or not isinstance(answers, Mapping):
            return None
        found = self.fields.get(self.applicant_email)
        keys = found.keys if found is not None else tuple(self.applicant_email.split("."))
        value: Any = answers
        for key in keys:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else None

    def answer_at(self, path: str, answers: Mapping[str, Any] | None) -> Any:
        """The answer to the question at dotted ``path`` (inside groups too), or ``None``."""
        found = self.fields.get(path)
        keys = found.keys if found is not None else tuple(path.split("."))
        value: Any = answers
        for key in keys:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        return value

    @property
    def applicant_name(self) -> str | None:
        """The question holding the resident's name: the first one marked
        ``autocomplete: name`` (the hint browsers fill the name from), outside repeats."""
        for found in self.fields.values():
            if found.ui.get("autocomplete") == "name" and not found.in_repeat \
                    and found.kind == "text":
                return found.path
        return None

    def is_open(self, on: date) -> bool:
        if self.open_from and on < self.open_from:
            return False
        return not (self.open_until and on > self.open_until)

    def validate(self, answers: Mapping[str, Any], lang: str | None = None) -> list[FieldError]:
        """Every problem with a submission's answers, in plain words in ``lang``."""
        from schemas.validation import validate_answers

        language = lang or self.default_language

        def title_of(path: str) -> str | None:
            found = self.fields.get(path)
            return found.title.get(language) if found else None

        errors = validate_answers(self.schema, answers, title_of=title_of, lang=language,
                                  draft=self.draft)
        return [self._in_item(error, language) for error in errors]

    def item_label(self, path: str, lang: str | None = None) -> str:
        """What one item of the repeating group at ``path`` is called ("Vehicle"): the
        group's ``ui`` ``item_label``, else its items' ``title``, else "Item".

        The one name the page's legends ("Vehicle 2"), its add button and its error messages
        ("Vehicle 2: ...") share.
        """
        found = self.fields.get(path)
        if found is None:
            return gettext(lang, "Item")
        named = localized(found.ui, "item_label")
        if named is not None:
            return named.get(lang)
        items = found.schema.get("items")
        try:
            items = LocalRefs(self.schema).resolve(items)[0] if isinstance(items, Mapping) \
                else None
        except RefError:
            items = None
        title = localized(items, "title") if isinstance(items, Mapping) else None
        return title.get(lang) if title is not None else gettext(lang, "Item")

    def _in_item(self, error: FieldError, lang: str) -> FieldError:
        """The error with the item it is in named first ("Vehicle 2: Enter ..."): inside a
        repeating group every item asks the same questions, so the title alone is ambiguous."""
        keys = error.path.split(".") if error.path else []
        names: list[str] = []
        items: list[str] = []
        for position, key in enumerate(keys):
            if key.isdigit():
                continue
            names.append(key)
            found = self.fields.get(".".join(names))
            index = keys[position + 1] if position + 1 < len(keys) else ""
            if found is not None and found.kind == "repeat" and index.isdigit():
                items.append(gettext(lang, "%(item)s %(number)s",
                                     item=self.item_label(found.path, lang),
                                     number=int(index) + 1))
        if not items:
            return error
        message = error.message
        for item in reversed(items):
            message = gettext(lang, "%(item)s: %(message)s", item=item, message=message)
        return replace(error, message=message)
