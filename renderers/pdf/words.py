"""Conditions in plain words, in the reader's language, for printed forms.

A printed form cannot hide a question, so it says when each one applies: a page's ``when``
("Answer this page only if you answered “Yes” to “Will you serve alcohol?”.") and a question
that an ``if``/``then`` branch adds (``schemas.flow.describe_branch``). ``schemas.conditions``
has an English-only ``describe`` for staff screens; this one goes through the message
catalogue, reusing the phrases ``describe_branch`` uses, so both read alike.

Negation is pushed down to the tests (``not (a and b)`` reads as "not a or not b"), which
every language can say without a "it is not the case that" construction.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from babel.dates import format_date

from schemas.conditions import (
    And,
    Compare,
    Condition,
    Contains,
    FieldTest,
    In,
    IsEmpty,
    IsSet,
    Node,
    Not,
    Or,
    Truthy,
    Value,
)
from schemas.fields import humanise
from schemas.flow import _join, _number, _value_label
from schemas.i18n import N_
from schemas.i18n import gettext as _t
from schemas.model import Form

_NUMBER = {
    ">": N_("your answer to “%(question)s” is more than %(number)s"),
    ">=": N_("your answer to “%(question)s” is %(number)s or more"),
    "<": N_("your answer to “%(question)s” is less than %(number)s"),
    "<=": N_("your answer to “%(question)s” is %(number)s or less"),
}
_NEGATED_ORDER = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "before": "not before",
                  "after": "not after"}
_MOMENT = {
    "before": N_("your answer to “%(question)s” is before %(moment)s"),
    "after": N_("your answer to “%(question)s” is after %(moment)s"),
    "not before": N_("your answer to “%(question)s” is not before %(moment)s"),
    "not after": N_("your answer to “%(question)s” is not after %(moment)s"),
}
_AS_MOMENT = {">": "after", "<": "before", ">=": "not before", "<=": "not after"}


def describe_when(form: Form, condition: Condition, lang: str | None) -> str:
    """A page's ``when`` as the sentence printed under the page's title."""
    return _t(lang, "Answer this page only if %(condition)s.",
              condition=_Words(form, lang).node(condition.node, negated=False))


def describe_condition(form: Form, condition: Condition, lang: str | None) -> str:
    """The bare phrase ("you answered “Large” to “How big is it?”"), without the sentence."""
    return _Words(form, lang).node(condition.node, negated=False)


class _Words:
    def __init__(self, form: Form, lang: str | None) -> None:
        self.form = form
        self.lang = lang

    def node(self, node: Node, *, negated: bool) -> str:
        if isinstance(node, Not):
            return self.node(node.item, negated=not negated)
        if isinstance(node, And | Or):
            # De Morgan: not (a and b) = not a or not b.
            word: Literal["and", "or"] = "and" if isinstance(node, And) != negated else "or"
            parts = [self._part(item, word, negated) for item in node.items]
            return _join(parts, word, self.lang)
        return self.test(node, negated != node.negated)

    def _part(self, item: Node, word: str, negated: bool) -> str:
        text = self.node(item, negated=negated)
        inner = item
        flips = negated
        while isinstance(inner, Not):
            inner, flips = inner.item, not flips
        if isinstance(inner, And | Or):
            inner_word = "and" if isinstance(inner, And) != flips else "or"
            if inner_word != word:
                return f"({text})"
        return text

    def question(self, test: FieldTest) -> str:
        found = self.form.fields.get(test.field)
        return found.title.get(self.lang) if found else humanise(test.field.split(".")[-1])

    def value(self, test: FieldTest, value: Value) -> str:
        found = self.form.fields.get(test.field)
        if value.kind == "date":
            shown = self._date(value.value)
        elif value.kind == "time":
            shown = value.source
        else:
            shown = _value_label(found, value.value, self.lang)
        return _t(self.lang, "“%(text)s”", text=shown)

    def _date(self, value: object) -> str:
        if isinstance(value, date):
            try:
                return format_date(value, format="long", locale=(self.lang or "en"))
            except (ValueError, LookupError):
                return value.isoformat()
        return str(value)

    def test(self, test: FieldTest, negated: bool) -> str:
        question = self.question(test)
        if isinstance(test, IsSet | IsEmpty):
            answered = isinstance(test, IsSet) != negated
            message = N_("you answered “%(question)s”") if answered else N_(
                "you did not answer “%(question)s”")
            return _t(self.lang, message, question=question)
        if isinstance(test, Truthy):
            return self._answered(question, [_t(self.lang, "“%(text)s”",
                                                text=_t(self.lang, "Yes"))], negated)
        if isinstance(test, In):
            return self._answered(question, [self.value(test, v) for v in test.values], negated)
        if isinstance(test, Contains):
            found = self.form.fields.get(test.field)
            if found is not None and found.kind in ("multichoice", "list"):
                return self._answered(question, [self.value(test, test.value)], negated)
            message = N_("your answer to “%(question)s” does not contain %(text)s") if negated \
                else N_("your answer to “%(question)s” contains %(text)s")
            return _t(self.lang, message, question=question, text=self.value(test, test.value))
        assert isinstance(test, Compare)
        if test.op == "==":
            return self._answered(question, [self.value(test, test.value)], negated)
        op = _NEGATED_ORDER.get(test.op, test.op) if negated else test.op
        if test.value.kind in ("date", "time") or op.endswith(("before", "after")):
            moment = _AS_MOMENT.get(op, op)
            return _t(self.lang, _MOMENT[moment], question=question,
                      moment=self.value(test, test.value))
        return _t(self.lang, _NUMBER[op], question=question, number=_number(test.value.value))

    def _answered(self, question: str, shown: list[str], negated: bool) -> str:
        message = (N_("you did not answer %(answers)s to “%(question)s”") if negated
                   else N_("you answered %(answers)s to “%(question)s”"))
        return _t(self.lang, message, answers=_join(shown, "or", self.lang), question=question)
