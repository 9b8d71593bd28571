"""Checking a resident's answers, and saying what is wrong in plain words in their language.

jsonschema finds the problems; this module decides which of them a person needs to see and how
to say it. The rules, from the GOV.UK Design System's error message guidance:

* one message per question, the most useful one (a missing answer before a wrong format);
* the message names the question by its own title, in curly quotes, and is used as a label
  ("Enter an answer for “Where is the pothole?”"), never as the object of a verb, so it reads
  the same whether the title is a question or a noun, in English, Spanish and Chinese;
* it says what to do ("Enter", "Select") and, for formats, gives an example;
* a message is reported where the question is: ``required`` (which jsonschema reports on the
  object holding the property) moves to the missing question, a choice inside a list moves to
  the list, and ``oneOf``/``anyOf`` are explained by the branch that came closest.

An answer left empty (``null``, or ``""`` under ``minLength``) is reported as ``required``:
that is what happened from the resident's side.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

import jsonschema
import jsonschema.validators
import jsonschema_specifications
import referencing
import referencing.jsonschema
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from referencing._core import Resolver
from referencing.exceptions import Unresolvable, Unretrievable

from schemas import media_types
from schemas.dates import DateLimit, answer_date
from schemas.drafts import DRAFT_7, DRAFT_2019_09, DRAFT_2020_12, detect_draft, normalise_draft_uri
from schemas.fields import Field, FieldCollector, humanise
from schemas.formats import ATTACHMENT_FORMATS, format_checker
from schemas.i18n import DEFAULT_LANGUAGE, N_, base_language, gettext, ngettext
from schemas.localized import localized
from schemas.media_types import accepted_type as accepted_type
from schemas.patterns import PatternError, matches
from schemas.refs import RefError

TitleOf = Callable[[str], str | None]


@dataclass(frozen=True)
class FieldError:
    """One problem with one question, ready to show next to it and in the error summary."""

    path: str  # dotted, list indices as numbers ("household_members.2.name"); "" = whole form
    message: str  # plain words in the resident's language
    code: str  # "required", "type", "format.email", "maxLength", "file_type", ...


class SchemaReferenceError(ValueError):
    """A ``$ref`` in a form's schema that cannot be followed."""


class RemoteReferenceError(SchemaReferenceError):
    """A ``$ref`` to a document outside the schema. Answers are validated without touching
    the network (a form must not depend on, or leak to, someone else's server)."""

    def __init__(self, uri: str):
        self.uri = uri
        super().__init__(
            f"The schema refers to {uri}, which is outside the form. Answers are checked "
            "without fetching anything from the network: copy the part you need under "
            "`$defs` and point `$ref` at '#/$defs/...'.")


# --- Compiling, once per schema ----------------------------------------------------------------
def _multiple_of_keyword(validator: Validator, step: Any, instance: Any,
                         schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    """``multipleOf`` that forgives binary rounding: stock jsonschema refuses 19.99 for
    ``multipleOf: 0.01`` (money fields) because 19.99 / 0.01 == 1998.9999999999998.

    A quotient within a billionth of a whole number is float noise, not what a person typed;
    1.005 (100.5 cents) is still refused.
    """
    if not validator.is_type(instance, "number") or not validator.is_type(step, "number"):
        return
    if isinstance(instance, float) or isinstance(step, float):
        quotient = instance / step
        if math.isfinite(quotient):
            failed = not math.isclose(quotient, round(quotient), rel_tol=1e-9, abs_tol=1e-9)
        else:
            failed = (Fraction(instance) / Fraction(step)).denominator != 1
    else:
        failed = bool(instance % step)
    if failed:
        yield ValidationError(f"{instance!r} is not a multiple of {step}")


def _pattern_keyword(validator: Validator, pattern: Any, instance: Any,
                     schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    """``pattern`` on RE2 (``schemas.patterns``), so no answer can stall the server. A pattern
    RE2 cannot run is refused by ``check``; one in a definition published before that rule is
    skipped rather than run on a backtracking engine."""
    if not validator.is_type(instance, "string") or not isinstance(pattern, str):
        return
    try:
        found = matches(pattern, instance)
    except PatternError:
        return
    if not found:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _date_limit(keyword: str) -> Callable[..., Iterator[ValidationError]]:
    """``after``/``before`` (``schemas.dates``): checked on the day the answer is sent."""
    def check(validator: Validator, value: Any, instance: Any,
              schema: Mapping[str, Any]) -> Iterator[ValidationError]:
        limit, answer = DateLimit.read(value), answer_date(instance)
        if limit is None or answer is None:
            return
        day = limit.on(date.today())
        if (answer <= day) if keyword == "after" else (answer >= day):
            yield ValidationError(f"{instance!r} is not {keyword} {day.isoformat()}")
    return check


_VALIDATORS: dict[str, type[Validator]] = {
    uri: jsonschema.validators.extend(cls, {"multipleOf": _multiple_of_keyword,
                                            "pattern": _pattern_keyword,
                                            "after": _date_limit("after"),
                                            "before": _date_limit("before")})
    for uri, cls in ((DRAFT_2020_12, jsonschema.Draft202012Validator),
                     (DRAFT_2019_09, jsonschema.Draft201909Validator),
                     (DRAFT_7, jsonschema.Draft7Validator))
}
_DRAFT_NAMES = {"2020-12": DRAFT_2020_12, "2019-09": DRAFT_2019_09, "7": DRAFT_7,
                "draft7": DRAFT_7, "draft-07": DRAFT_7}
_CACHE_SIZE = 256




def compiled_validator(schema: Mapping[str, Any], draft: str | None = None) -> Validator:
    """The validator for ``schema``, built (and the schema checked) once and then reused.

    Equal schemas share a validator whatever dictionary they come in: the cache key is the
    schema's canonical JSON and the draft. Building one checks the schema against its
    meta-schema, which is most of what ``jsonschema.validate`` costs on every call.
    """
    return _compiled(_key(schema, draft)).validator


@dataclass(frozen=True)
class _Key:
    canonical: str
    draft: str | None
    schema: Any = field(compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class _Compiled:
    validator: Validator
    fields: Mapping[str, Field]
    order: Mapping[str, int]


def _key(schema: Mapping[str, Any], draft: str | None) -> _Key:
    canonical = json.dumps(schema, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=repr)
    return _Key(canonical, draft, schema)


@lru_cache(maxsize=_CACHE_SIZE)
def _compiled(key: _Key) -> _Compiled:
    schema = copy.deepcopy(key.schema)  # later changes to the caller's dict must not leak in
    cls = validator_class(schema, key.draft)
    cls.check_schema(schema)
    _refuse_remote_refs(schema, cls)
    validator = cls(schema, registry=_REGISTRY, format_checker=format_checker)
    fields = _field_index(schema)
    return _Compiled(validator, fields, {path: i for i, path in enumerate(fields)})


def lenient_validator(schema: Mapping[str, Any], draft: str) -> Validator:
    """A validator for a schema that may itself be invalid, for the checker to try parts of
    it (``schemas.contradictions``) while it is still reporting what is wrong elsewhere."""
    return _VALIDATORS[draft](schema, registry=_REGISTRY, format_checker=format_checker)


def validator_class(schema: Mapping[str, Any], draft: str | None = None) -> type[Validator]:
    """The validator class for the schema's ``$schema``, else ``draft``, else the draft its
    keywords suggest (FORMAT.md: Draft 7 habits mean Draft 7, otherwise 2020-12)."""
    declared = schema.get("$schema")
    if isinstance(declared, str):
        uri = normalise_draft_uri(declared)
        if uri is None:
            raise ValueError(f"`$schema: {declared}` is not a JSON Schema draft formbuilder "
                             "reads. Use 2020-12, 2019-09 or Draft 7.")
    elif draft:
        uri = _DRAFT_NAMES.get(draft) or normalise_draft_uri(draft)
        if uri is None:
            raise ValueError(f"{draft!r} is not a JSON Schema draft formbuilder reads. "
                             "Use 2020-12, 2019-09 or 7.")
    else:
        uri = detect_draft(schema, bare=True) or DRAFT_2020_12
    return _VALIDATORS[uri]


def _refuse_to_fetch(uri: str) -> referencing.Resource[Any]:
    raise RemoteReferenceError(uri)


_REGISTRY: referencing.Registry[Any] = referencing.Registry(
    retrieve=_refuse_to_fetch)  # type: ignore[call-arg]  # mypy cannot read referencing's attrs


def _refuse_remote_refs(schema: Mapping[str, Any], cls: type[Validator]) -> None:
    """Follow every ``$ref`` now, so a remote one is refused when the form is loaded rather
    than when the first resident happens to reach it."""
    specification = referencing.jsonschema.specification_with(cls.META_SCHEMA["$id"])
    resource = specification.create_resource(schema)
    registry = jsonschema_specifications.REGISTRY.combine(_REGISTRY)
    _follow_refs(registry.resolver_with_root(resource), resource)


def _follow_refs(resolver: Resolver[Any], resource: referencing.Resource[Any]) -> None:
    contents = resource.contents
    ref = contents.get("$ref") if isinstance(contents, Mapping) else None
    if isinstance(ref, str):
        try:
            resolver.lookup(ref)
        except Unresolvable as error:
            remote = _remote_cause(error)
            if remote is not None:
                raise RemoteReferenceError(remote.ref) from error
            raise SchemaReferenceError(
                f"`$ref: '{ref}'` points at nothing in this schema.") from error
    for sub in resource.subresources():
        _follow_refs(resolver.in_subresource(sub), sub)


def _remote_cause(error: BaseException) -> Unretrievable | None:
    """The failed retrieval behind an unresolvable reference, if that is what it was."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, Unretrievable):
            return cause
        cause = cause.__cause__
    return None


def _field_index(schema: Mapping[str, Any]) -> dict[str, Field]:
    """The questions by dotted path, in schema order; empty for a schema that cannot be drawn
    (messages then fall back to what the failing part of the schema says)."""
    try:
        return FieldCollector(schema).collect()
    except (RefError, RecursionError):
        return {}


# --- Validating and explaining -----------------------------------------------------------------


def validate_answers(schema: Mapping[str, Any], answers: Any, *, title_of: TitleOf,
                     lang: str = DEFAULT_LANGUAGE, draft: str | None = None) -> list[FieldError]:
    """Every problem with ``answers``, at most one per question, in the order questions
    appear in the schema (the form-level ones first)."""
    compiled = _compiled(_key(schema, draft))
    explainer = _Explainer(compiled.fields, title_of, lang)
    leaves = (leaf for error in compiled.validator.iter_errors(answers)
              for leaf in leaf_errors(error))
    best: dict[str, tuple[int, int, FieldError]] = {}
    for seen, leaf in enumerate(leaves):
        found = explainer.explain(leaf)
        rank = _rank(found.code)
        if found.path not in best or rank < best[found.path][0]:
            best[found.path] = (rank, seen, found)
    return [found for _, seen, found in sorted(
        best.values(), key=lambda entry: _position(entry[2].path, compiled.order, entry[1]))]


def explain(error: ValidationError, *, title_of: TitleOf, lang: str = DEFAULT_LANGUAGE,
            schema: Mapping[str, Any] | None = None) -> FieldError:
    """One jsonschema error in plain words. With the form's ``schema``, the message knows each
    question's kind (a missing yes/no question says "Select", not "Enter")."""
    fields = _compiled(_key(schema, None)).fields if schema is not None else {}
    leaf = leaf_errors(error)[0]
    return _Explainer(fields, title_of, lang).explain(leaf)


def leaf_errors(error: ValidationError) -> list[ValidationError]:
    """The errors worth explaining inside ``error``: for ``oneOf``/``anyOf``, those of the
    branch that came closest to matching. Closest means, in turn: the answer has the branch's
    type and no stray properties; the answers agree with the branch's one-value ``const`` or
    ``enum`` (``animal: {enum: [Fish]}`` is how a branch says which answer picks it, so a
    resident with a fish is told about the fish's branch); fewer answers are missing (a branch
    the resident did not start is not the one they chose); fewer errors; the branch written
    first."""
    if error.validator not in ("oneOf", "anyOf") or not error.context \
            or _is_choice_list(error.validator_value):
        return [error]
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)

    def distance(item: tuple[int, list[ValidationError]]) -> tuple[bool, int, int, int, int]:
        index, errors = item
        mismatch = any(e.validator in _MISMATCH_KEYWORDS and not e.relative_path
                       for e in errors)
        unpicked = sum(len(e.relative_path) == 1 and _picks(e) for e in errors)
        missing = sum(e.validator in _MISSING_KEYWORDS for e in errors)
        return mismatch, unpicked, missing, len(errors), index

    closest = min(branches.items(), key=distance)[1]
    return [leaf for sub in closest for leaf in leaf_errors(sub)]


def _picks(error: ValidationError) -> bool:
    """Whether ``error`` is an answer that differs from the one value a branch asks for."""
    return error.validator == "const" or (
        error.validator == "enum" and isinstance(error.validator_value, list)
        and len(error.validator_value) == 1)


_MISMATCH_KEYWORDS = ("type", "additionalProperties", "unevaluatedProperties")
_MISSING_KEYWORDS = ("required", "dependentRequired", "dependencies")
_RANKS = {"required": 0, "type": 1, "enum": 2, "const": 2, "format": 3}


def _rank(code: str) -> int:
    """Which of two messages for one question to show: a missing answer first, then a wrong
    kind of answer, then a wrong choice or format, then limits (cf. jsonschema's relevance)."""
    return _RANKS.get(code.split(".")[0], 4)


def _position(path: str, order: Mapping[str, int], seen: int) -> tuple[Any, ...]:
    """Where an error goes in the list: form-level first, then by the question's place in
    the schema (a question the form's fields do not list, such as one inside a ``oneOf``
    branch, goes with the nearest group that is listed), then item by item."""
    keys = path.split(".") if path else []
    names = [k for k in keys if not k.isdigit()]
    indices = tuple(int(k) for k in keys if k.isdigit())
    place = len(order)
    for end in range(len(names), 0, -1):
        if ".".join(names[:end]) in order:
            place = order[".".join(names[:end])]
            break
    return bool(path), place, indices, seen


def _is_choice_list(branches: Any) -> bool:
    """``oneOf: [{const, title}, ...]``: a choice question, not alternatives to explain."""
    return isinstance(branches, list) and bool(branches) and all(
        isinstance(b, Mapping) and "const" in b for b in branches)


@dataclass
class _Question:
    """What a message needs to know about the question an error belongs to."""

    path: tuple[str | int, ...]
    title: str
    kind: str
    schema: Mapping[str, Any]

    @property
    def format(self) -> str | None:
        fmt = self.schema.get("format")
        return fmt if isinstance(fmt, str) else None


class _Explainer:
    """Turns leaf errors into :class:`FieldError` for one language and one form."""

    def __init__(self, fields: Mapping[str, Field], title_of: TitleOf, lang: str | None):
        self.fields = fields
        self.title_of = title_of
        self.lang = base_language(lang) or DEFAULT_LANGUAGE

    def explain(self, error: ValidationError) -> FieldError:
        keyword = error.validator if isinstance(error.validator, str) else "false"
        if keyword in _MISSING_KEYWORDS:
            return self._missing(error)
        if keyword in ("additionalProperties", "unevaluatedProperties"):
            return self._unknown_fields(error, keyword)
        question = self.question(tuple(error.absolute_path), error.schema)
        if not question.path:
            message = gettext(self.lang, "There is a problem with the answers sent. Go back "
                              "and try again.")
            return FieldError("", message, keyword)
        code, message = self._describe(keyword, error, question)
        custom = code != "required" and _custom_message(error.schema, question, self.lang)
        return FieldError(_dotted(question.path), custom or message, code)

    def question(self, path: tuple[str | int, ...], schema: Any) -> _Question:
        """The question at ``path``; an item of a list of choices or files is its list."""
        while path and isinstance(path[-1], int):
            path = path[:-1]
            schema = {}
        names = ".".join(str(k) for k in path if not isinstance(k, int))
        found = self.fields.get(names)
        local = schema if isinstance(schema, Mapping) else {}
        own = found.schema if found is not None else local
        kind = found.kind if found is not None else _kind(own)
        merged = {**own, **local} if found is not None else local
        return _Question(path, self._title(names, found, local), kind, merged)

    def _title(self, names: str, found: Field | None, schema: Mapping[str, Any]) -> str:
        given = self.title_of(names) if names else None
        if given:
            return given
        if found is not None:
            return found.title.get(self.lang)
        title = localized(schema, "title")
        if title is not None:
            return title.get(self.lang)
        return humanise(names.rsplit(".", 1)[-1]) if names else ""

    def _missing(self, error: ValidationError) -> FieldError:
        name = _missing_property(error)
        path = (*error.absolute_path, name) if name is not None else tuple(error.absolute_path)
        properties = error.schema.get("properties") if isinstance(error.schema, Mapping) else None
        sub = properties.get(name) if isinstance(properties, Mapping) and name else None
        question = self.question(path, sub if isinstance(sub, Mapping) else {})
        return FieldError(_dotted(question.path), self._required(question), "required")

    def _required(self, question: _Question) -> str:
        if question.kind in ("text", "textarea") and question.format in _REQUIRED_BY_FORMAT:
            message = _REQUIRED_BY_FORMAT[question.format]
        else:
            message = _REQUIRED_BY_KIND.get(question.kind, _REQUIRED_ANSWER)
        return gettext(self.lang, message, title=question.title)

    def _unknown_fields(self, error: ValidationError, keyword: str) -> FieldError:
        names = _unexpected_names(error)
        shown = format_list([f"“{n}”" for n in names] or ["?"], locale=self.lang)
        message = ngettext(self.lang, "This form has no question called %(names)s",
                           "This form has no questions called %(names)s",
                           len(names), names=shown)
        return FieldError(_dotted(error.absolute_path), message, keyword)

    def _describe(self, keyword: str, error: ValidationError,
                  question: _Question) -> tuple[str, str]:
        describe = _DESCRIBERS.get(keyword)
        if describe is not None:
            found = describe(self, error, question)
            if found is not None:
                return found
        return keyword, self.gettext("Check your answer to “%(title)s”", question)

    # Helpers the describers use.

    def gettext(self, message: str, question: _Question, /, **params: Any) -> str:
        return gettext(self.lang, message, title=question.title, **params)

    def number(self, value: Any) -> str:
        return format_number(value, self.lang)


# --- The messages, keyword by keyword ----------------------------------------------------------

_REQUIRED_ANSWER = N_("Enter an answer for “%(title)s”")
_REQUIRED_BY_FORMAT = {
    "email": N_("Enter an email address for “%(title)s”"),
    "idn-email": N_("Enter an email address for “%(title)s”"),
    "date": N_("Enter a date for “%(title)s”"),
    "time": N_("Enter a time for “%(title)s”"),
    "date-time": N_("Enter a date and time for “%(title)s”"),
    "tel": N_("Enter a phone number for “%(title)s”"),
    "uri": N_("Enter a web address for “%(title)s”"),
}
_REQUIRED_BY_KIND = {
    "number": N_("Enter a number for “%(title)s”"),
    "integer": N_("Enter a number for “%(title)s”"),
    "choice": N_("Select an answer for “%(title)s”"),
    "boolean": N_("Select an answer for “%(title)s”"),
    "multichoice": N_("Select at least one option for “%(title)s”"),
    "file": N_("Select a file for “%(title)s”"),
    "files": N_("Select a file for “%(title)s”"),
    "group": N_("Enter the details for “%(title)s”"),
    "repeat": N_("Enter the details for “%(title)s”"),
}
_FORMAT_MESSAGES = {
    "email": N_("Enter an email address in the right format for “%(title)s”, like "
                "name@example.com"),
    "idn-email": N_("Enter an email address in the right format for “%(title)s”, like "
                    "name@example.com"),
    "date": N_("Enter a real date for “%(title)s”, like 2026-03-27"),
    "time": N_("Enter a real time for “%(title)s”, like 14:30"),
    "date-time": N_("Enter a real date and time for “%(title)s”, like 2026-03-27 14:30"),
    "uri": N_("Enter a web address in the right format for “%(title)s”, like "
              "https://www.example.com"),
    "tel": N_("Enter a phone number in the right format for “%(title)s”, like 555-555-0123"),
}
_IN_RIGHT_FORMAT = N_("Enter your answer to “%(title)s” in the right format")
_CHOOSE_OPTION = N_("Select one of the options for “%(title)s”")
_CHOICE_KINDS = ("choice", "boolean", "multichoice")


def _n(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural message kept in a table, as ``N_`` marks a single one: the extractor
    reads ``_n`` calls as ``ngettext`` pairs (``schemas.i18n.KEYWORDS``)."""
    return singular, plural


_LENGTH_MESSAGES = {
    "minLength": _n("Your answer to “%(title)s” must be %(num)s character or more",
                    "Your answer to “%(title)s” must be %(num)s characters or more"),
    "maxLength": _n("Your answer to “%(title)s” must be %(num)s character or fewer",
                    "Your answer to “%(title)s” must be %(num)s characters or fewer"),
}
# By keyword and what the list holds: a multichoice's options, a files question's files, or
# any other list's items.
_ITEM_COUNT_MESSAGES = {
    ("minItems", "multichoice"): _n("Select at least %(num)s option for “%(title)s”",
                                    "Select at least %(num)s options for “%(title)s”"),
    ("minItems", "files"): _n("Select at least %(num)s file for “%(title)s”",
                              "Select at least %(num)s files for “%(title)s”"),
    ("minItems", "items"): _n("Add at least %(num)s item to “%(title)s”",
                              "Add at least %(num)s items to “%(title)s”"),
    ("maxItems", "multichoice"): _n("Select no more than %(num)s option for “%(title)s”",
                                    "Select no more than %(num)s options for “%(title)s”"),
    ("maxItems", "files"): _n("Select no more than %(num)s file for “%(title)s”",
                              "Select no more than %(num)s files for “%(title)s”"),
    ("maxItems", "items"): _n("Add no more than %(num)s item to “%(title)s”",
                              "Add no more than %(num)s items to “%(title)s”"),
}

Described = tuple[str, str] | None


def _type(ex: _Explainer, error: ValidationError, q: _Question) -> Described:
    if error.instance is None:
        return "required", ex._required(q)
    expected = error.validator_value if isinstance(error.validator_value, list) \
        else [error.validator_value]
    if "number" in expected:
        return "type", ex.gettext("Your answer to “%(title)s” must be a number", q)
    if "integer" in expected:
        return "type", ex.gettext("Your answer to “%(title)s” must be a whole number", q)
    if "boolean" in expected:
        return "type", ex.gettext("Select yes or no for “%(title)s”", q)
    if q.kind in _CHOICE_KINDS:
        return "type", ex.gettext(_CHOOSE_OPTION, q)
    if "string" in expected:
        return "type", ex.gettext("Your answer to “%(title)s” must be text", q)
    return None


def _enum(ex: _Explainer, error: ValidationError, q: _Question) -> Described:
    return "enum", ex.gettext(_CHOOSE_OPTION, q)


def _const(ex: _Explainer, error: ValidationError, q: _Question) -> Described:
    if error.validator_value is True:
        return "const", ex.gettext("Select “%(title)s” to continue", q)
    if q.kind in _CHOICE_KINDS:
        return "const", ex.gettext(_CHOOSE_OPTION, q)
    value = ex.number(error.validator_value) if _is_number(error.validator_value) \
        else str(error.validator_value)
    return "const", ex.gettext("Your answer to “%(title)s” must be %(value)s", q, value=value)


def _one_of(ex: _Explainer, error: ValidationError, q: _Question) -> Described:
    if _is_choice_list(error.validator_value):
        return "enum", ex.gettext(_CHOOSE_OPTION, q)
    return None


def _format(ex: _Explainer, error: ValidationError, q: _Question) -> Described:
    fmt = str(error.validator_value)
    return f"format.{fmt}", ex.gettext(_FORMAT_MESSAGES.get(fmt, _IN_RIGHT_FORMAT), q)


def _pattern(ex: _Explainer, error: ValidationError, q: _Question) -> Described:
    return "pattern", ex.gettext(_IN_RIGHT_FORMAT, q)


def _whole(error: ValidationError) -> int:
    """The count a ``minLength``/``maxItems``-like error is about; its schema has passed the
    meta-schema, so the value is a number."""
    value = error.validator_value
    return int(value) if isinstance(value, int | float) else 0


def _min_length(ex: _Explainer, error: ValidationError, q: _Question) -> Described:
    if error.instance == "":
        return "required", ex._required(q)
    return _length(ex, error, q)


def _length(ex: _Explainer, error: ValidationError, q: _Question) -> Described:
    keyword, limit = str(error.validator), _whole(error)
    return keyword, ngettext(ex.lang, *_LENGTH_MESSAGES[keyword], limit,
                             num=ex.number(limit), title=q.title)


def _bounds(ex: _Explainer, error: ValidationError, q: _Question) -> Described:
    keyword = str(error.validator)
    if error.instance is None or not _is_number(error.instance):
        return None
    low, high = q.schema.get("minimum"), q.schema.get("maximum")
    if keyword in ("minimum", "maximum") and _is_number(low) and _is_number(high):
        return keyword, ex.gettext(
            "Your answer to “%(title)s” must be between %(low)s and %(high)s", q,
            low=ex.number(low), high=ex.number(high))
    message = {
        "minimum": N_("Your answer to “%(title)s” must be %(limit)s or more"),
        "maximum": N_("Your answer to “%(title)s” must be %(limit)s or less"),
        "exclusiveMinimum": N_("Your answer to “%(title)s” must be more than %(limit)s"),
        "exclusiveMaximum": N_("Your answer to “%(title)s” must be less than %(limit)s"),
    }[keyword]
    return keyword, ex.gettext(message, q, limit=ex.number(error.validator_value))


def _multiple_of(ex: _Explainer, error: ValidationError, q: _Question) -> Described:
    step = error.validator_value
    if step == 1:
        return "multipleOf", ex.gettext("Your answer to “%(title)s” must be a whole number", q)
    places = _decimal_places(step)
    if places:
        return "multipleOf", ngettext(
            ex.lang, "Your answer to “%(title)s” can have no more than %(num)s decimal place",
            "Your answer to “%(title)s” can have no more than %(num)s decimal places",
            places, title=q.title)
    return "multipleOf", ex.gettext(
        "Your answer to “%(title)s” must be a multiple of %(step)s", q, step=ex.number(step))


def _date_bound(ex: _Explainer, error: ValidationError, q: _Question) -> Described:
    keyword = str(error.validator)
    limit = DateLimit.read(error.validator_value)
    if limit is None:
        return None
    if limit.day is None:
        message = N_("The date for “%(title)s” must be in the future") if keyword == "after" \
            else N_("The date for “%(title)s” must be in the past")
        return keyword, ex.gettext(message, q)
    shown = format_date(limit.day, format="long", locale=ex.lang)
    message = N_("The date for “%(title)s” must be after %(date)s") if keyword == "after" \
        else N_("The date for “%(title)s” must be before %(date)s")
    return keyword, ex.gettext(message, q, date=shown)


def _item_count(ex: _Explainer, error: ValidationError, q: _Question) -> Described:
    keyword = str(error.validator)
    counted = q.kind if q.kind in ("multichoice", "files") else "items"
    return keyword, ngettext(ex.lang, *_ITEM_COUNT_MESSAGES[keyword, counted], _whole(error),
                             title=q.title)


def _unique_items(ex: _Explainer, error: ValidationError, q: _Question) -> Described:
    if q.kind == "multichoice":
        return "uniqueItems", ex.gettext("Select each option for “%(title)s” only once", q)
    return "uniqueItems", ex.gettext("Each answer to “%(title)s” must be different", q)


_DESCRIBERS: dict[str, Callable[[_Explainer, ValidationError, _Question], Described]] = {
    "type": _type, "enum": _enum, "const": _const, "oneOf": _one_of, "anyOf": _one_of,
    "format": _format, "pattern": _pattern, "minLength": _min_length,
    "maxLength": _length, "minimum": _bounds, "maximum": _bounds,
    "exclusiveMinimum": _bounds, "exclusiveMaximum": _bounds, "multipleOf": _multiple_of,
    "minItems": _item_count, "maxItems": _item_count, "uniqueItems": _unique_items,
    "after": _date_bound, "before": _date_bound,
}


def _custom_message(schema: Any, question: _Question, lang: str) -> str | None:
    """A form's own ``errorMessage`` (with ``errorMessage_es``...) for a question whose rule
    no generic sentence can explain, such as a ``pattern`` ("Enter a 5-digit ZIP code")."""
    for source in (schema, question.schema):
        if not isinstance(source, Mapping):
            continue
        for key in (f"errorMessage_{lang}", "errorMessage"):
            text = source.get(key)
            if isinstance(text, str) and text.strip():
                return text
    return None


def _missing_property(error: ValidationError) -> str | None:
    """The property a ``required`` (or dependency) error is about: jsonschema yields one error
    per missing name, and its message starts with that name's repr."""
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    value = error.validator_value
    if error.validator == "required":
        wanted = list(value) if isinstance(value, list) else []
    else:
        depends = value if isinstance(value, Mapping) else {}
        wanted = [name for key, names in depends.items() if key in instance
                  and isinstance(names, list) for name in names]
    missing = [name for name in wanted if isinstance(name, str) and name not in instance]
    for name in missing:
        if error.message.startswith(repr(name)):
            return name
    return missing[0] if missing else None


def _unexpected_names(error: ValidationError) -> list[str]:
    """The properties posted that the schema does not declare."""
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    declared: set[str] = set()
    patterns: list[str] = []
    for part in _schema_parts(error.schema):
        properties = part.get("properties")
        declared.update(properties if isinstance(properties, Mapping) else ())
        pattern_properties = part.get("patternProperties")
        patterns += list(pattern_properties if isinstance(pattern_properties, Mapping) else ())
    return [str(name) for name in instance if name not in declared
            and not any(_matches_safely(p, str(name)) for p in patterns)]


def _matches_safely(pattern: str, text: str) -> bool:
    try:
        return matches(pattern, text)
    except PatternError:
        return False


def _schema_parts(schema: Any) -> Iterable[Mapping[str, Any]]:
    """``schema`` and the in-place parts that can declare properties for it (``allOf``,
    ``then``...), which ``unevaluatedProperties`` counts as declared."""
    if not isinstance(schema, Mapping):
        return
    yield schema
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key) or ():
            yield from _schema_parts(part)
    for key in ("then", "else"):
        yield from _schema_parts(schema.get(key))
    for part in (schema.get("dependentSchemas") or {}).values():
        yield from _schema_parts(part)


def _kind(schema: Mapping[str, Any]) -> str:
    """A question's kind from its schema alone, for when it is not among the form's fields."""
    declared = schema.get("type")
    types = declared if isinstance(declared, list) else [declared]
    if schema.get("format") in ATTACHMENT_FORMATS:
        return "file"
    if "enum" in schema or _is_choice_list(schema.get("oneOf")):
        return "choice"
    if "array" in types:
        items = schema.get("items")
        if isinstance(items, Mapping) and ("enum" in items or _is_choice_list(items.get("oneOf"))):
            return "multichoice"
        if isinstance(items, Mapping) and items.get("format") in ATTACHMENT_FORMATS:
            return "files"
        return "repeat" if isinstance(items, Mapping) and "properties" in items else "list"
    for kind in ("boolean", "integer", "number"):
        if kind in types:
            return kind
    return "group" if "object" in types or "properties" in schema else "text"


def _dotted(path: Iterable[str | int]) -> str:
    return ".".join(str(part) for part in path)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _decimal_places(step: Any) -> int | None:
    """2 for ``multipleOf: 0.01`` (money): said as decimal places, not "a multiple of 0.01"."""
    if not _is_number(step) or not 0 < step < 1:
        return None
    places = round(-math.log10(step))
    return places if math.isclose(step, 10.0 ** -places) else None


def format_number(value: Any, lang: str | None) -> str:
    """A number as the resident writes it: ``2,5`` in Spanish; thousands grouped only from
    10,000 up, so years and house numbers stay whole (1900, not 1,900)."""
    if not _is_number(value):
        return str(value)
    if isinstance(value, float):
        value = int(value) if value.is_integer() else Decimal(repr(value))
    locale = base_language(lang) or DEFAULT_LANGUAGE
    return format_decimal(value, locale=locale, group_separator=abs(value) >= 10_000,
                          decimal_quantization=False)


# --- Uploads -----------------------------------------------------------------------------------

_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9,
          "kib": 2**10, "mib": 2**20, "gib": 2**30}
_SIZE = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[A-Za-z]*)\s*$")
_MEDIA_NAMES = {
    "image/jpeg": "JPG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WebP",
    "image/tiff": "TIF", "image/bmp": "BMP", "image/heic": "HEIC", "image/heif": "HEIF",
    "image/avif": "AVIF", "application/pdf": "PDF", "text/plain": "TXT", "text/csv": "CSV",
    "application/zip": "ZIP", "application/rtf": "RTF", "application/msword": "DOC",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.ms-excel": "XLS",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PPTX",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
    "video/mp4": "MP4", "audio/mpeg": "MP3",
}
_FAMILY_NAMES = {"image": N_("image"), "audio": N_("audio file"), "video": N_("video"),
                 "text": N_("text file")}
# Names said as words, whose article follows their first letter ("a HEIC", "a GIF").
_WORD_NAMES = frozenset({"HEIC", "HEIF", "GIF", "ZIP", "WebP", "AVIF"})


def parse_size(text: str | int) -> int:
    """``10 MB`` -> 10,000,000 bytes. KB, MB and GB are powers of 1,000, as storage is sold and
    as residents' phones show sizes; KiB, MiB and GiB are powers of 1,024."""
    if isinstance(text, int) and not isinstance(text, bool):
        size = text
    else:
        match = _SIZE.match(str(text))
        unit = match["unit"].lower() if match else None
        if match is None or unit not in _UNITS:
            raise ValueError(f"{text!r} is not a file size. Write a number and a unit, like "
                             "'10 MB', '500 KB' or '2 GB'.")
        size = round(Decimal(match["number"]) * _UNITS[unit])
    if size <= 0:
        raise ValueError(f"{text!r} is not a file size: it must be more than 0, like '10 MB'.")
    return int(size)


def format_size(size: int, lang: str | None) -> str:
    """A size as people read it: ``10 MB``, ``1,5 MB`` in Spanish, ``800 bytes``."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            return f"{format_number(round(size / factor, 1), lang)} {unit}"
    return ngettext(lang, "%(num)s byte", "%(num)s bytes", size, num=format_number(size, lang))


def media_type_name(media_type: str, lang: str | None) -> str:
    """``image/jpeg`` -> ``JPG``; ``image/*`` -> "image" in the resident's language."""
    kind, _, sub = _normalise_media_type(media_type).partition("/")
    if sub == "*":
        family = _FAMILY_NAMES.get(kind)
        return gettext(lang, family) if family else kind
    name = _MEDIA_NAMES.get(f"{kind}/{sub}")
    if name:
        return name
    sub = sub.removeprefix("x-").removeprefix("vnd.")
    return sub.upper() if sub.isalnum() and len(sub) <= 5 else media_type


def upload_errors(title: str, *, filename: str, media_type: str, size: int,
                  accepted: Sequence[str], max_size: int | None, lang: str | None,
                  path: str = "") -> list[FieldError]:
    """What is wrong with an uploaded file, for the question titled ``title``.

    ``media_type`` is the type read from the file's bytes; ``""`` means it could not be told.
    A file refused for its size was not read, so its type is not judged.
    """
    lang = base_language(lang) or DEFAULT_LANGUAGE
    if size == 0:
        return [FieldError(path, gettext(lang, "The selected file for “%(title)s” is empty",
                                         title=title), "file_empty")]
    errors = []
    too_large = max_size is not None and size > max_size
    if too_large:
        message = gettext(lang, "The selected file for “%(title)s” must be smaller than "
                          "%(size)s", title=title, size=format_size(max_size or 0, lang))
        errors.append(FieldError(path, message, "file_size"))
    if not (too_large and not media_type) and not accepted_type(accepted, media_type):
        errors.append(FieldError(path, _type_message(title, accepted, lang), "file_type"))
    return errors


def _type_message(title: str, accepted: Sequence[str], lang: str) -> str:
    wanted = [t for t in map(_normalise_media_type, accepted) if t != "*/*"]
    if not wanted:
        return gettext(lang, "The selected file for “%(title)s” is not a type of file we can "
                       "accept", title=title)
    names = list(dict.fromkeys(media_type_name(t, lang) for t in wanted))
    types = format_list(names, style="or", locale=lang)
    english = media_type_name(wanted[0], DEFAULT_LANGUAGE)
    if _takes_an(english):
        return gettext(lang, "The selected file for “%(title)s” must be an %(types)s",
                       title=title, types=types)
    return gettext(lang, "The selected file for “%(title)s” must be a %(types)s",
                   title=title, types=types)


def _takes_an(name: str) -> bool:
    """English article: "an image", "an XLSX" (said ex-el-es-ex), but "a PDF", "a HEIC"."""
    if name.isupper() and name not in _WORD_NAMES:
        return name[0] in "AEFHILMNORSX"
    return name[:1].lower() in "aeiou"


def _normalise_media_type(media_type: str) -> str:
    return media_types.normalise(media_type)
