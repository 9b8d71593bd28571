"""What a change causes, decided in one step: :func:`after_change`.

Routing (and so storing a submission, which starts routing) calls it in the transaction that
appends the events, with the state it has just replayed; every registered notifier
(``formbuilder.notifiers``: emails, webhooks) then enqueues its jobs in that same
transaction, so they commit with the change or not at all. Notifiers receive the state instead
of replaying the history again, and never import routing: what happens after a change flows
one way, from the rules to the outbox to the notifiers.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

import workflows
from formbuilder.models import Event, Submission
from formbuilder.notifiers import Change, registered
from formbuilder.services.publishing import form_of


def after_change(session: Session, submission: Submission, new_events: Sequence[Event],
                 state: workflows.State) -> None:
    """Hand ``new_events`` (flushed) and the ``state`` they lead to to every notifier.

    Calling it twice for the same events enqueues nothing more: each job's key names its
    event.
    """
    if not new_events:
        return
    change = Change(submission, form_of(submission.form_version), tuple(new_events), state)
    for notify in registered():
        notify(session, change)
