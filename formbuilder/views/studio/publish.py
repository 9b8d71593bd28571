"""Publishing: the plain-language changes against the live version; the author asks, a
publisher reads the same changes and signs off (the new version goes live) or sends the draft
back with a comment. Where the city allows it, an author publishes their own changes."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from formbuilder.services import permissions, studio
from formbuilder.views.auth import now
from formbuilder.views.csrf import csrf_form
from formbuilder.views.studio.base import blueprint, check_csrf, db, me, require, studio_required
from workflows.publication import MAX_COMMENT


def _revision() -> int:
    """The draft revision the page was drawn from (-1, which no draft has, when it is missing),
    so an action on a draft someone has since changed is refused as stale."""
    try:
        return int(request.form.get("revision", ""))
    except ValueError:
        return -1


def _said(key: str) -> str:
    """The reason or comment typed into the page, cut to what the studio's history keeps."""
    return request.form.get(key, "")[:MAX_COMMENT]


def _self_publish() -> bool:
    return bool(current_app.config.get("STUDIO_SELF_PUBLISH"))


@blueprint.route("/<form_id>/publish")
@studio_required
def publish(form_id: str) -> Any:
    return _page(form_id)


def _page(form_id: str, *, status: int = 200, errors: dict[str, str] | None = None,
          notice: str | None = None, values: dict[str, str] | None = None) -> Any:
    user = me()
    with db().session(readonly=True) as session:
        scope = require(session, form_id, "see")
        found = studio.review(session, form_id)
        return render_template(
            "studio/publish.html", form_id=form_id, review=found, state=found.state,
            tab="publish", may_author=permissions.can(user, "author", scope),
            may_publish=permissions.can(user, "publish", scope), me=user,
            self_publish=_self_publish(), errors=errors or {}, notice=notice,
            values=values or {}, csrf=csrf_form(),
            asker_is_me=found.state.asked is not None
            and found.state.asked.actor.casefold() == user.email.casefold()), status


def _act(form_id: str, action: str, do: Any) -> Any:
    """Run one publishing action; a refusal redraws the page with the reason."""
    check_csrf()
    user = me()
    values = {key: _said(key) for key in ("reason", "comment")}
    with db().session() as session:
        require(session, form_id, action)  # type: ignore[arg-type]
        try:
            message = do(session, user)
        except studio.StudioError as error:
            session.rollback()
            field = "comment" if error.code == "comment_required" else ""
            failed = str(error)
        else:
            flash(message)
            return redirect(url_for("studio.publish", form_id=form_id))
    return _page(form_id, status=409 if "stale" in failed.lower() else 400,
                 errors={field: failed} if field else {}, notice=None if field else failed,
                 values=values)


@blueprint.route("/<form_id>/ask", methods=["POST"])
@studio_required
def ask(form_id: str) -> Any:
    def do(session: Any, user: Any) -> str:
        studio.ask(session, form_id, revision=_revision(), by=user.email, now=now(),
                   reason=_said("reason"))
        return "You asked for publication. A publisher will sign it off or send it back."
    return _act(form_id, "author", do)


@blueprint.route("/<form_id>/withdraw", methods=["POST"])
@studio_required
def withdraw(form_id: str) -> Any:
    def do(session: Any, user: Any) -> str:
        studio.withdraw(session, form_id, by=user.email, now=now())
        return "The request to publish was withdrawn."
    return _act(form_id, "author", do)


@blueprint.route("/<form_id>/send-back", methods=["POST"])
@studio_required
def send_back(form_id: str) -> Any:
    def do(session: Any, user: Any) -> str:
        studio.send_back(session, form_id, revision=_revision(), by=user.email, now=now(),
                         comment=_said("comment"))
        return "The draft was sent back to its authors with your comment."
    return _act(form_id, "publish", do)


@blueprint.route("/<form_id>/sign-off", methods=["POST"])
@studio_required
def sign_off(form_id: str) -> Any:
    def do(session: Any, user: Any) -> str:
        version = studio.sign_off(session, form_id, revision=_revision(), by=user.email,
                                  now=now(), comment=_said("comment"),
                                  self_publish=_self_publish())
        _forget_cached(form_id)
        return f"Signed off: version {version.number} is live."
    return _act(form_id, "publish", do)


@blueprint.route("/<form_id>/publish-own", methods=["POST"])
@studio_required
def publish_own(form_id: str) -> Any:
    def do(session: Any, user: Any) -> str:
        version = studio.publish_own(session, form_id, revision=_revision(), by=user.email,
                                     now=now(), reason=_said("reason"),
                                     self_publish=_self_publish())
        _forget_cached(form_id)
        return f"Published: version {version.number} is live."
    return _act(form_id, "author", do)


def _forget_cached(form_id: str) -> None:
    """This process serves the new version at once (others within seconds, see public)."""
    current_app.extensions.get("published_versions", {}).pop(form_id, None)
