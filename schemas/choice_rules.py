"""Which choices a question offers when several branches define it, each with its own list.

``food`` may be meat or grass under ``animal: Cat`` and insects or worms under ``animal: Fish``
(``if``/``then``), or be listed by the ``oneOf`` alternative that ``animal`` picks (rjsf's
``dependencies`` + ``oneOf``). The form knows every branch's choices
(:class:`schemas.fields.FieldCollector`); this module says which of them the answers allow,
as JSON Schema decides it, for the server (:func:`offered_choices`), for the page's script
(:func:`choice_rules`) and in words (:func:`describe_choice`).

Pure: knows no web framework, no database, no renderer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schemas.fields import Choice, Field, allowed_values, label_key
from schemas.flow import (
    Clause,
    Definition,
    Link,
    clause,
    definitions,
    describe_alternatives,
    holds,
    local_refs,
    resolve,
)
from schemas.i18n import N_
from schemas.i18n import gettext as _t
from schemas.model import Form

__all__ = ["ChoiceRule", "choice_rules", "describe_choice", "offered_choices"]

Chains = tuple[tuple[Clause, ...], ...]


@dataclass(frozen=True)
class ChoiceRule:
    """When one choice of a question is offered, as alternatives of clauses (as
    :func:`schemas.flow.branch_rule` gives them) of the definitions that limit its choices.

    JSON Schema holds an answer to every definition that applies, so the choice needs a
    definition that allows it to apply (``offered_by``) and none that leaves it out
    (``left_out_by``). Definitions under ``oneOf``/``anyOf`` alternatives are different: one
    alternative is enough, so when alternatives limit the choices (``among_alternatives``) the
    choice needs one that allows it (``picked_by``), and the others leave nothing out.
    """

    offered_by: Chains
    left_out_by: Chains
    picked_by: Chains = ()
    among_alternatives: bool = False

    @property
    def never(self) -> bool:
        """No answers offer it: nothing allows it, or a definition always asked leaves it out."""
        if any(not chain for chain in self.left_out_by):
            return True
        if self.among_alternatives:
            return not self.picked_by
        return not self.offered_by


def choice_rules(form: Form, field: Field) -> dict[str, ChoiceRule]:
    """For a question whose choices depend on which of its definitions apply: when each choice
    is offered, by :func:`schemas.fields.label_key`. Empty when the choices are the same
    whatever the answers."""
    allowing = _allowing(form, field)
    if all(keys >= {label_key(c.value) for c in field.choices} for _, keys, _ in allowing):
        return {}
    chains = [(tuple(clause(form, link) for link in d.links), keys, alternative)
              for d, keys, alternative in allowing]
    among = any(alternative for _, _, alternative in chains)
    rules = {}
    for choice in field.choices:
        key = label_key(choice.value)
        rules[key] = ChoiceRule(
            offered_by=tuple(c for c, keys, alt in chains if not alt and key in keys),
            left_out_by=tuple(c for c, keys, alt in chains if not alt and key not in keys),
            picked_by=tuple(c for c, keys, alt in chains if alt and key in keys),
            among_alternatives=among)
    return rules


def offered_choices(form: Form, field: Field, level: Mapping[str, Any] | None
                    ) -> tuple[Choice, ...]:
    """The choices ``field`` offers for the answers of its own level (``level``): those every
    definition that applies allows, and (when alternatives limit them) one alternative that
    applies. All of them when nothing that limits them applies, or nothing is left: a question
    asked anyway never has nothing to choose from, and the answers' check says what is wrong."""
    instance = level if isinstance(level, Mapping) else {}
    allowed = frozenset(label_key(c.value) for c in field.choices)
    picked: set[str] = set()
    for definition, keys, alternative in _allowing(form, field):
        if not holds(form, definition.links, instance):
            continue
        if alternative:
            picked |= keys
        else:
            allowed &= keys
    if picked:
        allowed &= picked
    return tuple(c for c in field.choices if label_key(c.value) in allowed) or field.choices


def describe_choice(form: Form, field: Field, rule: ChoiceRule,
                    lang: str | None = None) -> str | None:
    """When one choice is offered, in plain words for when it cannot be hidden: "Only if you
    answered “Cat” to “Animal”." (or "Not if …" when it is offered unless some answer leaves it
    out). ``None`` when that takes more than simple tests to say."""
    chains, message = rule.offered_by, N_("Only if %(condition)s.")
    if rule.among_alternatives and (not chains or any(not chain for chain in chains)):
        chains = rule.picked_by
    if any(not chain for chain in chains):
        chains, message = rule.left_out_by, N_("Not if %(condition)s.")
    condition = describe_alternatives(form, field, [_said_once(chain) for chain in chains], lang)
    return None if condition is None else _t(lang, message, condition=condition)


def _allowing(form: Form, field: Field) -> list[tuple[Definition, frozenset[str], bool]]:
    """Each definition of ``field`` that limits its answers to a list, with that list's keys and
    whether it is one of ``oneOf``/``anyOf``'s alternatives.

    A definition whose condition reads the question's own answer does not count: picking a
    choice would then take the other choices away (rjsf's ``dependencies`` + ``oneOf`` narrows a
    question to the answer that picks each alternative). An alternative is picked by what it
    says about the other questions asked outside the alternatives (``animal: Fish``)."""
    if not field.choices:
        return []
    found = []
    for definition in definitions(form, field):
        picking = [_picking(link, field.name) for link in definition.links]
        links = tuple(link for link in picking if link is not None)
        if len(links) < len(picking) or any(_reads(form, link, field.name) for link in links):
            continue
        values = allowed_values(resolve(form, definition.schema), local_refs(form))
        if values is not None:
            found.append((Definition(definition.name, definition.schema, links),
                          frozenset(label_key(v) for v in values),
                          any(link.kind == "alternative" for link in definition.links)))
    return found


def _picking(link: Link, name: str) -> Link | None:
    """An alternative's discriminator without what it says about ``name`` itself (that is the
    definition being weighed, not what picks it); ``None`` when nothing else picks it."""
    if link.kind != "alternative" or not isinstance(link.schema, Mapping):
        return link
    properties = {k: v for k, v in (link.schema.get("properties") or {}).items() if k != name}
    said = link.schema.get("required")
    required = [k for k in said if isinstance(k, str) and k != name] \
        if isinstance(said, list) else []
    if not properties and not required:
        return None if link.schema else link
    schema: dict[str, Any] = {"properties": properties} if properties else {}
    if required:
        schema["required"] = required
    return Link("alternative", schema)


def _reads(form: Form, link: Link, name: str) -> bool:
    """Whether ``link``'s condition reads the answer to ``name`` (a condition too complex for
    simple tests is taken to read it)."""
    if link.kind == "dependent":
        return link.key == name
    tests = clause(form, link).tests
    return tests is None or any(test.path[0] == name for test in tests)


def _said_once(chain: tuple[Clause, ...]) -> list[Clause]:
    """``chain`` without the clauses that only say a question was answered when another
    says what the answer was ("you answered “Animal” and you answered “Cat” to “Animal”")."""
    valued = {t.path for c in chain if not c.negate for t in c.tests or () if t.op != "set"}
    return [c for c in chain if c.negate or c.tests is None or not c.tests
            or any(t.op != "set" or t.path not in valued for t in c.tests)]
