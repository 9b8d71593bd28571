"""What load balancers and monitoring ask of each web process, and what each request leaves
behind for them: ``/healthz``, ``/readyz``, ``/metrics``, a request id and a JSON log line.

- ``/healthz``: the process answers (a load balancer restarts it otherwise). Touches nothing.
- ``/readyz``: it can serve residents now: the database answers and is at the newest
  migration, the file storage answers, and Redis answers when ``FORMBUILDER_REDIS_URL`` is
  set. 503 with the failing part named otherwise (never the error's text: it may name hosts).
- ``/metrics``: Prometheus text (``formbuilder.metrics``), to loopback clients, or elsewhere
  with ``Authorization: Bearer <FORMBUILDER_METRICS_TOKEN>``; 404 to anyone else, as if absent.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from formbuilder import logs, metrics
from formbuilder.jobs import queue
from formbuilder.models import utcnow

blueprint = Blueprint("ops", __name__)
request_log = logging.getLogger("formbuilder.requests")
QUIET = frozenset({"ops.healthz", "ops.readyz", "ops.metrics"})  # polled every few seconds


@blueprint.route("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@blueprint.route("/readyz")
def readyz() -> tuple[Response, int]:
    checks = {"database": _database, "migrations": _migrations, "storage": _storage}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            results[name] = check() or "ok"
        except Exception:
            current_app.logger.exception("Readiness check %s failed", name)
            results[name] = "failed"
    ready = all(result == "ok" for result in results.values())
    return jsonify(status="ready" if ready else "not ready", checks=results), \
        200 if ready else 503


def _database() -> None:
    from sqlalchemy import text

    with current_app.extensions["db"].engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _migrations() -> str | None:
    """"behind" while a deploy's ``formbuilder db upgrade`` has not run yet."""
    from alembic.script import ScriptDirectory

    from formbuilder.database import MIGRATIONS

    heads = current_app.extensions.get("migration_heads")
    if heads is None:
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", MIGRATIONS)
        heads = current_app.extensions["migration_heads"] = \
            set(ScriptDirectory.from_config(config).get_heads())
    return None if current_app.extensions["db"].revision() in heads else "behind"


def _storage() -> None:
    current_app.extensions["storage"].check()


def _redis() -> None:
    import redis

    client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=2,
                                  socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


@blueprint.route("/metrics", endpoint="metrics")
def scrape() -> Response:
    if not _may_read_metrics():
        return Response("Not found\n", status=404, mimetype="text/plain")
    database = current_app.extensions["db"]

    def job_queue() -> list[metrics.QueueRow]:
        with database.session(readonly=True) as session:
            return [metrics.QueueRow(*row) for row in queue.depth(session, utcnow())]

    body, content_type = metrics.exposition(job_queue)
    return Response(body, content_type=content_type)


def _may_read_metrics() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def init_app(app: Flask) -> None:
    """The ops pages, and a request id, metrics and a log line for every request."""
    app.register_blueprint(blueprint)
    # First of the app's hooks, so a request another hook refuses still has its id.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_end)
    app.teardown_request(_forget)


def _begin() -> None:
    g.request_id = logs.request_id_from(request.headers.get("X-Request-ID"))
    g.request_id_token = logs.REQUEST_ID.set(g.request_id)
    g.request_started = time.perf_counter()


def _end(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:  # a request refused before ours began (e.g. by another hook)
        return response
    seconds = time.perf_counter() - started
    route = request.endpoint or "unmatched"
    response.headers["X-Request-ID"] = g.request_id
    metrics.request_done(route, request.method, response.status_code, seconds)
    if route not in QUIET:
        request_log.info("%s %s %s", request.method, route, response.status_code,
                         extra={"route": route, "method": request.method,
                                "status": response.status_code,
                                "duration_ms": round(seconds * 1000, 1)})
    return response


def _forget(_error: Any) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        logs.REQUEST_ID.reset(token)
