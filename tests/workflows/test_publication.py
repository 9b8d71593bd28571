"""A form's publication history, replayed: the rules of asking, signing off and sending back,
and random runs of people doing anything in any order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workflows.publication as lifecycle
from workflows.publication import Publication, PublicationError, replay
from workflows.records import Record

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
ANA, BEN = "ana@city.example", "ben@city.example"


def run(history: list[Record], action, **kwargs) -> list[Record]:
    return history + action(replay(history), **kwargs)


def saved_draft(errors: int = 0) -> list[Record]:
    return lifecycle.save(Publication(), actor=ANA, expected_revision=0, errors=errors, now=T0,
                          kind="created")


def test_a_new_draft_is_a_draft_with_changes_to_publish():
    state = replay(saved_draft())
    assert (state.status, state.revision, state.pending, state.label(T0.date())) == (
        "editing", 1, True, "draft")


def test_a_second_save_of_the_same_revision_is_refused():
    history = run(saved_draft(), lifecycle.save, actor=ANA, expected_revision=1, errors=0,
                  now=T0)
    with pytest.raises(PublicationError) as refused:
        lifecycle.save(replay(history), actor=BEN, expected_revision=1, errors=0, now=T0)
    assert refused.value.code == "stale"


def test_a_draft_with_errors_cannot_be_asked_for():
    with pytest.raises(PublicationError) as refused:
        lifecycle.ask(replay(saved_draft(errors=2)), actor=ANA, revision=1, reason="", now=T0)
    assert refused.value.code == "has_errors"


def test_ask_sign_off_publish_records_who_asked_who_signed_and_why():
    history = run(saved_draft(), lifecycle.ask, actor=ANA, revision=1, reason="New fee", now=T0)
    history = run(history, lifecycle.sign_off, actor=BEN, revision=1, comment="ok", now=T0,
                  self_publish=False)
    history = run(history, lifecycle.published, actor=BEN, version=1, revision=1, now=T0)
    state = replay(history)
    assert state.status == "published" and state.live_version == 1 and not state.pending
    assert state.signed_off is not None and state.signed_off.actor == BEN
    assert [r.kind for r in history] == ["created", "asked", "signed_off", "published"]
    assert history[1].data["reason"] == "New fee"
    assert state.label(T0.date()) == "live"


def test_the_asker_needs_a_second_person_unless_the_city_allows_it():
    history = run(saved_draft(), lifecycle.ask, actor=ANA, revision=1, reason="", now=T0)
    with pytest.raises(PublicationError) as refused:
        lifecycle.sign_off(replay(history), actor=ANA.upper(), revision=1, comment="", now=T0,
                           self_publish=False)
    assert refused.value.code == "second_person"
    assert lifecycle.sign_off(replay(history), actor=ANA, revision=1, comment="", now=T0,
                              self_publish=True)


def test_publish_own_only_where_allowed():
    with pytest.raises(PublicationError):
        lifecycle.publish_own(replay(saved_draft()), actor=ANA, revision=1, reason="", now=T0,
                              self_publish=False)
    records = lifecycle.publish_own(replay(saved_draft()), actor=ANA, revision=1, reason="x",
                                    now=T0, self_publish=True)
    assert [r.kind for r in records] == ["asked", "signed_off"]


def test_saving_after_asking_withdraws_the_request():
    history = run(saved_draft(), lifecycle.ask, actor=ANA, revision=1, reason="", now=T0)
    history = run(history, lifecycle.save, actor=ANA, expected_revision=1, errors=0, now=T0)
    state = replay(history)
    assert state.status == "editing" and state.lapsed is not None
    with pytest.raises(PublicationError) as refused:
        lifecycle.sign_off(state, actor=BEN, revision=1, comment="", now=T0, self_publish=False)
    assert refused.value.code == "not_asked"


def test_sending_back_needs_a_comment_and_reaches_the_author():
    history = run(saved_draft(), lifecycle.ask, actor=ANA, revision=1, reason="", now=T0)
    with pytest.raises(PublicationError) as refused:
        lifecycle.send_back(replay(history), actor=BEN, revision=1, comment="  ", now=T0)
    assert refused.value.code == "comment_required"
    history = run(history, lifecycle.send_back, actor=BEN, revision=1, comment="Typo", now=T0)
    state = replay(history)
    assert state.status == "sent_back" and state.sent_back.data["comment"] == "Typo"


def test_a_sign_off_of_a_stale_revision_is_refused():
    history = run(saved_draft(), lifecycle.ask, actor=ANA, revision=1, reason="", now=T0)
    with pytest.raises(PublicationError) as refused:
        lifecycle.sign_off(replay(history), actor=BEN, revision=2, comment="", now=T0,
                           self_publish=False)
    assert refused.value.code == "stale"


def test_closing_and_reopening():
    history = run(saved_draft(), lifecycle.publish_own, actor=ANA, revision=1, reason="",
                  now=T0, self_publish=True)
    history = run(history, lifecycle.published, actor=ANA, version=1, revision=1, now=T0)
    history = run(history, lifecycle.close, actor=BEN, on=date(2026, 12, 10), message="Gone",
                  now=T0)
    state = replay(history)
    assert state.label(date(2026, 12, 9)) == "live"
    assert state.label(date(2026, 12, 10)) == "closed"
    assert replay(run(history, lifecycle.reopen, actor=BEN, now=T0)).closed is None


def test_records_that_do_not_fit_change_nothing():
    junk = [Record("signed_off", BEN, T0, {"revision": 1}), Record("published", BEN, T0, {}),
            Record("saved", ANA, T0, {"revision": "x"}), Record("unknown", ANA, T0, {}),
            Record("asked", ANA, T0, []), Record("closed", ANA, T0, {"on": "nope"})]
    assert replay(junk) == Publication()


ACTIONS = st.lists(st.tuples(
    st.sampled_from(["save", "save_errors", "ask", "withdraw", "send_back", "sign_off",
                     "publish_own", "close", "reopen", "stale_save"]),
    st.sampled_from([ANA, BEN]), st.booleans()), max_size=30)


@settings(max_examples=150, deadline=None)
@given(ACTIONS)
def test_random_runs_never_break_the_rules(actions):
    """Whatever people do, replay never raises, a version goes live only from a revision a
    second person (or, where allowed, the asker) signed off, and versions only grow."""
    history: list[Record] = []
    now = T0
    live = 0
    for name, actor, self_publish in actions:
        now += timedelta(minutes=5)
        state = replay(history)
        try:
            if name in ("save", "save_errors", "stale_save"):
                expected = state.revision - 1 if name == "stale_save" else state.revision
                new = lifecycle.save(state, actor=actor, expected_revision=expected,
                                     errors=1 if name == "save_errors" else 0, now=now)
            elif name == "ask":
                new = lifecycle.ask(state, actor=actor, revision=state.revision, reason="",
                                    now=now)
            elif name == "withdraw":
                new = lifecycle.withdraw(state, actor=actor, now=now)
            elif name == "send_back":
                new = lifecycle.send_back(state, actor=actor, revision=state.asked_revision or 0,
                                          comment="change it", now=now)
            elif name in ("sign_off", "publish_own"):
                if name == "sign_off":
                    new = lifecycle.sign_off(state, actor=actor,
                                             revision=state.asked_revision or 0, comment="",
                                             now=now, self_publish=self_publish)
                else:
                    new = lifecycle.publish_own(state, actor=actor, revision=state.revision,
                                                reason="", now=now, self_publish=self_publish)
                signed = replay(history + new)
                new += lifecycle.published(signed, actor=actor, version=live + 1, now=now,
                                           revision=signed.asked_revision)
                asker = signed.asked.actor
                assert self_publish or asker.casefold() != actor.casefold()
                assert signed.errors == 0
                live += 1
            elif name == "close":
                new = lifecycle.close(state, actor=actor, on=now.date(), message="", now=now)
            else:
                new = lifecycle.reopen(state, actor=actor, now=now)
        except PublicationError as error:
            assert error.code and error.message
            assert name != "save" or state.revision < 0
            continue
        history += new
        after = replay(history)
        assert after.revision >= state.revision
        assert (after.live_version or 0) == live
        if after.status == "asked":
            assert after.asked_revision == after.revision and after.errors == 0
        if after.live_version and after.published_revision is not None:
            assert after.published_revision <= after.revision
