"""The approval routing engine: pure state transitions over a submission's history.

Given a form version's ``routing`` and a submission's history (a list of :class:`Record`), the
engine says where the submission stands (:func:`replay`), what an action adds to the history
(:func:`start`, :func:`decide`, :func:`resubmit`, :func:`claim`, :func:`release`,
:func:`due_records`) and who may act (:func:`may_act`). It stores nothing and knows no web
framework or database: the caller appends the records it returns and updates the submission's
status from ``replay`` in the same transaction. A typical decision::

    records = decide(form, answers, history, actor="ana@city.gov", roles={"dispatch"},
                     step=0, role="dispatch", decision="approve", comment=None, now=now)
    status = replay(form, [*history, *records], now).status
"""

from workflows.deadlines import due_records, next_deadline
from workflows.decisions import claim, correct, decide, may_act, release, resubmit, start
from workflows.records import Decision, DecisionError, Record, State, Task
from workflows.replay import replay

__all__ = [
    "Decision",
    "DecisionError",
    "Record",
    "State",
    "Task",
    "claim",
    "correct",
    "decide",
    "due_records",
    "may_act",
    "next_deadline",
    "release",
    "replay",
    "resubmit",
    "start",
]
