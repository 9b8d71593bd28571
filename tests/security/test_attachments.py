"""Attack 8: attachment ids were capabilities. Typing another resident's ``att_…`` id into a
text answer let a stranger download the file, or take it into their own submission. An
attachment belongs to one draft or one submission; only a file question's own uploads count.
"""

from __future__ import annotations

from live_site import Live
from resident import png_bytes
from sqlalchemy import select

from formbuilder.models import Attachment, Submission


def only_attachment(live: Live) -> str:
    with live.db.session(readonly=True) as session:
        return session.scalars(select(Attachment.id)).one()


def test_a_typed_attachment_id_downloads_nothing(live: Live) -> None:
    live.browser().send_pothole(photo=png_bytes())
    stolen = only_attachment(live)  # it travels in every receipt's answers.json
    stranger = live.browser("127.0.0.2")
    stranger.fill_pothole(location=stolen, name=stolen, phone="217-555-0100")
    reply = stranger.get(f"/forms/pothole-report/files/{stolen}")
    assert reply.status == 404
    assert png_bytes() not in reply.body


def test_a_typed_attachment_id_does_not_take_a_drafts_file(live: Live) -> None:
    victim = live.browser()
    victim.fill_pothole(photo=png_bytes())
    pending = only_attachment(live)  # uploaded, not yet sent
    stranger = live.browser("127.0.0.2")
    stranger.fill_pothole(location=pending, name=pending, email="mallory@example.org")
    assert stranger.get(f"/forms/pothole-report/files/{pending}").status == 404
    assert stranger.send().status == 302
    sent = victim.send()
    assert sent.status == 302, sent.text[:2000]
    victim_reference = sent.location.rsplit("/", 1)[-1]
    with live.db.session(readonly=True) as session:
        owner = session.get(Attachment, pending).submission
        assert owner is not None and owner.reference == victim_reference
        mallory = session.scalars(select(Submission).where(
            Submission.reference != victim_reference)).one()
        assert mallory.attachments == []


def test_the_owner_still_sees_their_own_upload(live: Live) -> None:
    victim = live.browser()
    victim.fill_pothole(photo=png_bytes())
    mine = only_attachment(live)
    reply = victim.get(f"/forms/pothole-report/files/{mine}")
    assert reply.status == 200 and reply.body == png_bytes()
