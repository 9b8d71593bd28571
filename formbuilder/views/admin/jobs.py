"""The admin page for jobs that need a person: parked ones and ones that keep failing, with
their reason and a Retry button. Admins only, like the staff accounts page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from formbuilder.jobs import queue
from formbuilder.models import Job
from formbuilder.views.auth import admin_required, current_user, now
from formbuilder.views.csrf import csrf_form
from formbuilder.views.language import gettext

blueprint = Blueprint("jobs", __name__, url_prefix="/staff/admin/jobs")


@blueprint.route("", methods=["GET"])
@admin_required
def troubled() -> Any:
    with current_app.extensions["db"].session(readonly=True) as db:
        listed = [_row(job) for job in queue.troubled(db)]
        counts = queue.counts(db)
    return render_template("jobs/troubled.html", jobs=listed, counts=counts,
                           csrf=csrf_form())


def _row(job: Job) -> dict[str, Any]:
    """Plain values, read while the session is open."""
    return {"id": job.id, "kind": job.kind, "key": job.key, "state": job.state,
            "attempts": job.attempts, "max_attempts": job.max_attempts,
            "last_error": job.last_error or "", "run_at": job.run_at,
            "finished_at": job.finished_at, "created_at": job.created_at}


@blueprint.route("/<int:job_id>/retry", methods=["POST"])
@admin_required
def retry(job_id: int) -> Any:
    if not csrf_form(request.form).validate():
        abort(400)
    with current_app.extensions["db"].session() as db:
        job = db.get(Job, job_id)
        if job is None:
            abort(404)
        kind = job.kind
        retried = queue.retry(db, job_id, now())
    if retried:
        user = current_user()
        current_app.logger.info("%s retried job %s (%s)", user.email if user else "?", job_id,
                                kind)
        flash(gettext("Job %(id)s (%(kind)s) will run again shortly.", id=job_id, kind=kind))
    else:
        flash(gettext("Job %(id)s (%(kind)s) is running or done already, so it was left alone.",
                      id=job_id, kind=kind))
    return redirect(url_for("jobs.troubled"))
