"""Background jobs that never lose work: an outbox table, workers, retries and parking.

``enqueue`` writes a job in the caller's transaction; ``@handler("kind")`` says what runs it;
a handler raises ``Retry`` for a temporary failure and ``Refused`` for a permanent one (any
other exception counts as temporary). See ``formbuilder.jobs.worker`` for how jobs are run.
"""

from formbuilder.jobs.context import JobContext, Refused, Retry
from formbuilder.jobs.queue import JobError, enqueue
from formbuilder.jobs.registry import handler

__all__ = ["JobContext", "JobError", "Refused", "Retry", "enqueue", "handler"]
