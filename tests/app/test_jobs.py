"""The job outbox and its workers, on SQLite and PostgreSQL: nothing enqueued is lost, nothing
is run by two workers at once, failures back off and end up parked for an admin."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from job_handlers import empty_runs_table, job_runs
from jobs import run_jobs
from sqlalchemy import func, select
from staff import StaffActions, csrf_token, make_staff

from formbuilder.cli import main as cli
from formbuilder.database import Database
from formbuilder.jobs import JobError, enqueue, queue, recurring
from formbuilder.jobs.worker import MAX_RESTART_DELAY, Worker, restart_delay, start_in_process
from formbuilder.models import Event, Job
from formbuilder.services.submissions import create_submission

NOW = datetime(2030, 3, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def app(app: Any, db: Database) -> Any:
    """The shared app, with the table of the test job kinds' runs empty."""
    empty_runs_table(db)
    return app


def jobs(db: Database) -> list[Job]:
    with db.session() as session:  # committed, so the rows stay readable
        return list(session.scalars(select(Job).order_by(Job.id)))


def add(db: Database, kind: str = "test.record", payload: dict | None = None, **options: Any
        ) -> None:
    with db.session() as session:
        enqueue(session, kind, payload or {}, **{"run_at": NOW, **options})


def test_a_job_is_enqueued_with_the_callers_transaction(app: Any, db: Database):
    with pytest.raises(RuntimeError), db.session() as session:
        enqueue(session, "test.record", {"label": "lost"})
        raise RuntimeError("the change that caused it failed")
    assert jobs(db) == []
    with db.session() as session:
        enqueue(session, "test.record", {"label": "kept"})
    [job] = jobs(db)
    assert (job.kind, job.payload, job.state, job.attempts, job.max_attempts) == \
        ("test.record", {"label": "kept"}, "queued", 0, 8)


def test_a_second_enqueue_of_the_same_key_is_ignored(app: Any, db: Database):
    with db.session() as session:
        enqueue(session, "test.record", {"label": "first"}, key="receipt:1", run_at=NOW)
        enqueue(session, "test.record", {"label": "second"}, key="receipt:1", run_at=NOW)
    assert [job.payload["label"] for job in jobs(db)] == ["first"]
    run_jobs(app, now=NOW)
    add(db, payload={"label": "third"}, key="receipt:1")
    assert [(job.payload["label"], job.state) for job in jobs(db)] == [("first", "done")]


def test_a_payload_that_is_not_json_is_refused_at_once(db: Database):
    with db.session() as session, pytest.raises(JobError, match="must be JSON"):
        enqueue(session, "test.record", {"when": NOW})
    with db.session() as session, pytest.raises(JobError, match="time zone"):
        enqueue(session, "test.record", {}, run_at=datetime(2030, 1, 1))


def test_a_due_job_runs_once_and_is_done(app: Any, db: Database):
    add(db, payload={"label": "hello"})
    add(db, payload={"label": "later"}, run_at=NOW + timedelta(hours=1))
    outcomes = run_jobs(app, now=NOW)
    assert [(o.kind, o.result, o.attempt) for o in outcomes] == [("test.record", "done", 1)]
    assert [(run.label, run.attempt) for run in job_runs(db)] == [("hello", 1)]
    done, later = jobs(db)
    assert (done.state, done.attempts, done.finished_at, done.locked_by, done.lease_until) == \
        ("done", 1, NOW, None, None)
    assert later.state == "queued"
    assert run_jobs(app, now=NOW) == []
    assert [o.result for o in run_jobs(app, now=NOW + timedelta(hours=1))] == ["done"]


def test_a_failing_job_backs_off_exponentially_then_is_parked(app: Any, db: Database):
    add(db, payload={"fail": "error"}, max_attempts=3)
    [first] = run_jobs(app, now=NOW)
    assert first.result == "retry"
    assert first.error == "RuntimeError: Something unexpected broke"
    assert NOW + timedelta(seconds=24) <= first.run_at <= NOW + timedelta(seconds=36)
    assert run_jobs(app, now=first.run_at - timedelta(seconds=1)) == []
    [second] = run_jobs(app, now=first.run_at)
    assert (second.result, second.attempt) == ("retry", 2)
    assert timedelta(seconds=48) <= second.run_at - first.run_at <= timedelta(seconds=72)
    [third] = run_jobs(app, now=second.run_at)
    assert third.result == "parked"
    [job] = jobs(db)
    assert (job.state, job.attempts) == ("parked", 3)
    assert job.last_error == "RuntimeError: Something unexpected broke (gave up after 3 attempts)"
    assert run_jobs(app, now=NOW + timedelta(days=30)) == []


def test_backoff_is_capped_at_an_hour():
    assert queue.backoff(30) <= timedelta(hours=1)
    assert queue.backoff(1) >= timedelta(seconds=24)


def test_a_worker_process_that_ran_is_replaced_at_once_a_crash_loop_ever_more_slowly():
    """A killed worker's jobs wait for nobody; a crash loop cannot spin the machine."""
    assert restart_delay(0) == 0
    delays = [restart_delay(failed) for failed in range(1, 30)]
    assert 0 < delays[0] < delays[1] < delays[2]
    assert delays == sorted(delays)
    assert delays[-1] == MAX_RESTART_DELAY


def test_retry_after_overrides_the_backoff_and_a_later_success_is_done(app: Any, db: Database):
    add(db, payload={"fail": "retry-after", "fail_times": 1})
    [first] = run_jobs(app, now=NOW)
    assert (first.result, first.error, first.run_at) == \
        ("retry", "The test server said: in five minutes", NOW + timedelta(minutes=5))
    [second] = run_jobs(app, now=NOW + timedelta(minutes=5))
    assert (second.result, second.attempt) == ("done", 2)
    assert [run.attempt for run in job_runs(db)] == [1, 2]


def test_refused_parks_at_once_with_the_reason(app: Any, db: Database):
    add(db, payload={"fail": "refuse"})
    [outcome] = run_jobs(app, now=NOW)
    assert outcome.result == "parked"
    [job] = jobs(db)
    assert (job.state, job.attempts, job.last_error) == \
        ("parked", 1, "The address <b>x</b> has a line break in it")


def test_a_job_of_an_unknown_kind_is_parked_not_retried(app: Any, db: Database):
    add(db, kind="removed.long.ago")
    [outcome] = run_jobs(app, now=NOW)
    assert (outcome.result, outcome.error) == \
        ("parked", "No handler for job kind removed.long.ago")
    assert run_jobs(app, now=NOW + timedelta(days=1)) == []


def test_a_job_whose_worker_died_is_taken_over_when_its_lease_expires(app: Any, db: Database):
    add(db, payload={"label": "orphan"})
    with db.session() as session:
        [claimed] = queue.claim(session, "dead-worker", NOW, lease=timedelta(minutes=5))
    assert claimed.attempt == 1
    assert run_jobs(app, now=NOW + timedelta(minutes=4)) == []
    [outcome] = run_jobs(app, now=NOW + timedelta(minutes=5))
    assert (outcome.result, outcome.attempt) == ("done", 2)
    with db.session() as session:  # the dead worker's late word changes nothing
        assert not queue.complete(session, claimed.id, "dead-worker", NOW)
        assert not queue.requeue(session, claimed.id, "dead-worker", NOW, "late")
    [job] = jobs(db)
    assert (job.state, job.attempts) == ("done", 2)


def test_a_job_that_kills_its_worker_every_time_is_parked(app: Any, db: Database):
    add(db, max_attempts=2)
    moment = NOW
    for _ in range(2):
        with db.session() as session:
            assert len(queue.claim(session, "doomed", moment, lease=timedelta(minutes=1))) == 1
        moment += timedelta(minutes=1)
    assert run_jobs(app, now=moment) == []
    [job] = jobs(db)
    assert job.state == "parked"
    assert job.last_error.startswith("The worker running attempt 2 stopped before it finished")
    assert job_runs(db) == []


def test_a_stopping_worker_hands_back_the_jobs_it_has_not_started(app: Any, db: Database):
    for number in range(3):
        add(db, payload={"label": f"job {number}"})
    worker = Worker(app, name="stopping", clock=lambda: NOW)
    worker.stop.set()
    assert worker.run_once(schedule=False) == []
    assert [(job.state, job.attempts, job.locked_by) for job in jobs(db)] == \
        [("queued", 0, None)] * 3


def test_two_workers_never_run_one_job_twice(app: Any, db: Database):
    with db.session() as session:
        for number in range(200):
            enqueue(session, "test.record", {"label": str(number)})
    workers = [Worker(app, name=f"worker-{n}", batch=5) for n in (1, 2)]
    threads = [threading.Thread(target=w.run_forever, kwargs={"until_idle": True, "poll": 0})
               for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    runs = job_runs(db)
    assert sorted(run.label for run in runs) == sorted(str(n) for n in range(200))
    assert len({run.job_id for run in runs}) == 200
    with db.session(readonly=True) as session:
        assert session.scalar(select(func.count()).where(
            Job.kind == "test.record", Job.state != "done")) == 0


def test_recurring_jobs_run_once_per_slot_whatever_the_number_of_workers(
        app: Any, db: Database, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(recurring, "SCHEDULE", {
        "routing.overdue": recurring.Recurring("routing.overdue", timedelta(minutes=15))})
    first = [Worker(app, name=f"w{n}", clock=lambda: NOW) for n in (1, 2)]
    outcomes = [o for w in first for o in w.run_once()]
    assert [(o.kind, o.key, o.result) for o in outcomes] == \
        [("routing.overdue", "routing.overdue:2030-03-04T09:30Z", "done")]
    [done, waiting] = jobs(db)
    assert done.state == "done"
    assert (waiting.key, waiting.state, waiting.run_at) == \
        ("routing.overdue:2030-03-04T09:45Z", "queued", NOW + timedelta(minutes=15))
    assert run_jobs(app, now=NOW + timedelta(minutes=14), recurring=True) == []
    later = NOW + timedelta(minutes=16)
    second = [o for n in (1, 2) for o in run_jobs(app, now=later, recurring=True, name=f"w{n}")]
    assert [(o.key, o.result) for o in second] == \
        [("routing.overdue:2030-03-04T09:45Z", "done")]
    assert len(jobs(db)) == 3


def test_slots_start_at_the_period(app: Any):
    assert recurring.slot(timedelta(days=1), NOW) == datetime(2030, 3, 4, tzinfo=UTC)
    assert recurring.slot(timedelta(minutes=15), NOW + timedelta(minutes=14)) == \
        NOW + timedelta(minutes=0)


JOBS_PAGE = "/staff/admin/jobs"


def parked_job(app: Any, db: Database) -> int:
    add(db, payload={"fail": "refuse"}, key="welcome:<script>")
    add(db, payload={"label": "fine"})
    run_jobs(app, now=NOW)
    [job] = [job for job in jobs(db) if job.state == "parked"]
    return job.id


def test_admins_see_parked_jobs_with_their_reason_and_retry_them(app: Any, db: Database):
    job_id = parked_job(app, db)
    add(db, payload={"fail": "retry"})
    run_jobs(app, now=NOW)
    client = app.test_client()
    make_staff(db, "boss@city.gov", admin=True)
    StaffActions(client).sign_in("boss@city.gov")
    page = client.get(JOBS_PAGE).get_data(as_text=True)
    assert "The address &lt;b&gt;x&lt;/b&gt; has a line break in it" in page
    assert "welcome:&lt;script&gt;" in page and "<script>" not in page
    assert "The test server said: try later" in page  # failing, will retry
    assert "Done: 1" in page and "Parked: 1" in page
    response = client.post(f"{JOBS_PAGE}/{job_id}/retry", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    [job] = [job for job in jobs(db) if job.id == job_id]
    assert (job.state, job.attempts, job.finished_at) == ("queued", 0, None)
    assert "will run again shortly" in client.get(JOBS_PAGE).get_data(as_text=True)
    [outcome] = [o for o in run_jobs(app) if o.job_id == job_id]
    assert (outcome.attempt, outcome.result) == (1, "parked")  # refused again, as before


def test_the_jobs_page_is_for_admins_only_and_retry_needs_the_csrf_token(
        app: Any, db: Database):
    job_id = parked_job(app, db)
    client = app.test_client()
    assert client.get(JOBS_PAGE).status_code in (302, 401, 403)
    make_staff(db, "clerk@city.gov", ["parks"])
    make_staff(db, "boss@city.gov", admin=True)
    staff = StaffActions(client)
    staff.sign_in("clerk@city.gov")
    assert client.get(JOBS_PAGE).status_code == 403
    token = csrf_token(client.get("/track").get_data(as_text=True))
    assert client.post(f"{JOBS_PAGE}/{job_id}/retry",
                       data={"csrf_token": token}).status_code == 403
    staff.sign_out()
    staff.sign_in("boss@city.gov")
    assert client.post(f"{JOBS_PAGE}/{job_id}/retry", data={}).status_code == 400
    assert client.post(f"{JOBS_PAGE}/{job_id}/retry",
                       data={"csrf_token": "forged"}).status_code == 400
    token = csrf_token(client.get(JOBS_PAGE).get_data(as_text=True))
    assert client.post(f"{JOBS_PAGE}/999999/retry", data={"csrf_token": token}).status_code \
        == 404
    assert [job.state for job in jobs(db) if job.id == job_id] == ["parked"]


def test_the_worker_command_runs_the_due_jobs_and_exits_with_once(
        app: Any, db: Database, monkeypatch: pytest.MonkeyPatch):
    if db.dialect != "sqlite":
        pytest.skip("the command's database is given by URL; tests/load runs it on PostgreSQL")
    monkeypatch.setenv("FORMBUILDER_DATABASE_URL", str(db.url))
    monkeypatch.setenv("FORMBUILDER_EXTRA_HANDLER_MODULES", "job_handlers")
    with db.session() as session:
        for number in range(3):
            enqueue(session, "test.record", {"label": f"cli {number}"})
    result = CliRunner().invoke(cli, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert sorted(run.label for run in job_runs(db)) == ["cli 0", "cli 1", "cli 2"]
    assert {job.state for job in jobs(db) if job.kind == "test.record"} == {"done"}


def test_the_recurring_overdue_check_flags_late_steps(app: Any, db: Database, publish_form: Any):
    version = publish_form(routing=[{"step": "Dispatch review", "assign": "dispatch",
                                     "due": "2 days"}])
    with db.session() as session:
        submission, _ = create_submission(session, version, {"location": "Main St"},
                                          language="en", idempotency_key=None, now=NOW)
        submission_id = submission.id
    outcomes = run_jobs(app, now=NOW + timedelta(days=2, minutes=1), recurring=True)
    assert ("routing.overdue", "done") in [(o.kind, o.result) for o in outcomes]
    with db.session() as session:
        kinds = list(session.scalars(select(Event.kind).where(
            Event.submission_id == submission_id).order_by(Event.id)))
    assert kinds[-1] == "overdue"


def test_the_daily_clean_up_deletes_old_done_jobs_and_keeps_parked_ones(
        app: Any, db: Database, monkeypatch: pytest.MonkeyPatch):
    add(db, payload={"label": "old"})
    add(db, kind="gone.kind")
    run_jobs(app, now=NOW)
    monkeypatch.setattr(recurring, "SCHEDULE", {"jobs.cleanup": recurring.SCHEDULE["jobs.cleanup"]})
    add(db, payload={"label": "recent"}, run_at=NOW + timedelta(days=30))
    run_jobs(app, now=NOW + timedelta(days=30, hours=1), recurring=True)
    assert sorted((job.kind, job.state) for job in jobs(db)) == [
        ("gone.kind", "parked"), ("jobs.cleanup", "done"), ("jobs.cleanup", "queued"),
        ("test.record", "done")]
    assert [job.payload.get("label") for job in jobs(db) if job.kind == "test.record"] == \
        ["recent"]


def test_the_in_process_worker_of_serve_runs_jobs_until_stopped(app: Any, db: Database):
    with db.session() as session:
        enqueue(session, "test.record", {"label": "from a request"})
    worker = start_in_process(app)
    try:
        pause = threading.Event()
        for _ in range(600):
            if [run.label for run in job_runs(db)] == ["from a request"]:
                break
            pause.wait(0.05)
    finally:
        worker.stop.set()
        worker.thread.join(timeout=60)
    assert not worker.thread.is_alive()
    assert [run.label for run in job_runs(db)] == ["from a request"]


def test_the_heartbeat_renews_only_the_jobs_the_worker_still_holds(app: Any, db: Database):
    add(db)
    add(db)
    minute = timedelta(minutes=1)
    worker = Worker(app, name="beating", clock=lambda: NOW, lease=minute)
    with db.session() as session:
        first, second = queue.claim(session, "beating", NOW, lease=minute)
    worker._hold([first.id])  # the second one's outcome could not be recorded, say
    later = NOW + timedelta(seconds=50)
    worker.clock = lambda: later
    assert worker.renew_leases() == 1
    assert {job.id: job.lease_until for job in jobs(db)} == \
        {first.id: later + minute, second.id: NOW + minute}
