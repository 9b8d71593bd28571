"""Notifiers: who outside the transaction hears of a change, one module each.

``formbuilder.outbox`` hands every change (the new events and the workflow state they lead
to) to each notifier registered here, in the order of :data:`NOTIFIER_MODULES`. A notifier
only enqueues jobs in the caller's transaction; it reads what it needs from the change and
never calls back into routing, so a notifier can be added without touching the rules (the
way Open Forms registers its plugins). ``email`` tells residents and staff; ``webhooks``
tells the city's other systems.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

import schemas
import workflows
from formbuilder.models import Event, Submission

NOTIFIER_MODULES = ("formbuilder.notifiers.email", "formbuilder.notifiers.webhooks")


@dataclass(frozen=True)
class Change:
    """What one change did to a submission: its new events (flushed, in history order) and
    the state the whole history now replays to."""

    submission: Submission
    form: schemas.Form
    events: Sequence[Event]
    state: workflows.State


Notifier = Callable[[Session, Change], None]
_notifiers: dict[str, Notifier] = {}


def notifier(name: str) -> Callable[[Notifier], Notifier]:
    """Register the decorated function as the notifier called ``name``."""

    def register(function: Notifier) -> Notifier:
        _notifiers[name] = function
        return function

    return register


def registered() -> list[Notifier]:
    """Every notifier, those of :data:`NOTIFIER_MODULES` first and in its order."""
    for module in NOTIFIER_MODULES:
        importlib.import_module(module)
    order = {module: index for index, module in enumerate(NOTIFIER_MODULES)}
    return sorted(_notifiers.values(),
                  key=lambda function: order.get(function.__module__, len(order)))
