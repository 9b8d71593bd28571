"""Email on a real SMTP server on loopback (aiosmtpd): every kind in three languages, escaped,
fixed Message-IDs, refused addresses parked, and a server that is down, busy, refusing or
hanging retried or parked as it deserves, never a lost job."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from jobs import run_jobs
from mailforms import APPLICANT, decide, publish_permit, submit
from smtp import free_port, hanging_server, mail_server
from sqlalchemy import select
from staff import csrf_token, make_app, make_staff

from formbuilder.mail import smtp as smtp_client
from formbuilder.mail.addresses import BadAddress, check_address
from formbuilder.mail.compose import Letter, Link
from formbuilder.mail.messages import build, message_id
from formbuilder.mail.settings import MailSettings
from formbuilder.models import Job, utcnow
from formbuilder.services import routing, submissions

HOSTILE = '<script>alert("x")</script> & <b>Main</b>'


def settings_for(port: int, **extra) -> MailSettings:
    return MailSettings.from_config({"MAIL": "smtp", "SMTP_HOST": "127.0.0.1",
                                     "SMTP_PORT": port, "SMTP_TIMEOUT": 2.0,
                                     "MAIL_FROM": "City of Example <forms@example.gov>",
                                     **extra})


def letter(subject: str = "Hello") -> EmailMessage:
    settings = settings_for(25)
    return build(Letter(subject=subject, city="City", heading="Heading",
                        paragraphs=[HOSTILE], link=Link("Go", "http://x.test/a?b=1&c=2")),
                 settings, lang="en", msgid="<1.abc.task@example.gov>", date=utcnow())


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


# --- Addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["a@b.c\r\nBcc: x@y.z", "a@b.c\nBcc: x@y.z", "a\x00@b.co",
                                     "Bob <bob@example.org>", "bob@", "bob", "bob@localhost",
                                     "a b@example.org", "bob@exa_mple.org", ""])
def test_addresses_that_could_carry_headers_or_are_not_addresses_are_refused(address):
    with pytest.raises(BadAddress):
        check_address(address)


def test_unicode_addresses_are_accepted_with_their_idna_domain():
    found = check_address("josé@ñandú.es")
    assert found.international and found.ascii_domain() == "xn--and-6ma2c.es"
    assert not check_address("ana@example.org").international


def test_message_ids_are_fixed_per_event_recipient_and_kind():
    first = message_id("41", "Ana@Example.org", "receipt", "example.gov")
    assert first == message_id("41", "ana@example.org", "receipt", "example.gov")
    assert first != message_id("42", "ana@example.org", "receipt", "example.gov")
    assert first != message_id("41", "bob@example.org", "receipt", "example.gov")
    assert first.startswith("<41.") and first.endswith(".receipt@example.gov>")


def test_the_html_part_escapes_what_residents_typed_and_the_text_part_keeps_it():
    text, html = bodies(letter())
    assert HOSTILE in text
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert 'href="http://x.test/a?b=1&amp;c=2"' in html


def test_a_subject_with_a_line_break_cannot_add_headers():
    message = letter("Hi\r\nBcc: x@y.z")
    assert message["Subject"] == "Hi Bcc: x@y.z" and message["Bcc"] is None
    headers = message.as_bytes().split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers


# --- SMTP, without a database ------------------------------------------------------------------


def test_sent_to_a_real_server_once_with_from_to_and_message_id():
    with mail_server() as server:
        smtp_client.send(settings_for(server.port), letter(), check_address(APPLICANT))
    [received] = server.received
    assert received.recipients == [APPLICANT] and received.sender == "forms@example.gov"
    assert received.message["To"] == APPLICANT
    assert received.message["From"] == "City of Example <forms@example.gov>"
    assert received.message_id == "<1.abc.task@example.gov>"


def test_a_unicode_address_goes_with_smtputf8_when_offered_else_with_an_idna_domain():
    with mail_server(smtputf8=True) as server:
        smtp_client.send(settings_for(server.port), letter(), check_address("用户@例子.广告"))
    [received] = server.received
    assert received.recipients == ["用户@例子.广告"] and "SMTPUTF8" in received.options
    assert received.message["To"] == "用户@例子.广告"
    with mail_server(smtputf8=False) as server:
        smtp_client.send(settings_for(server.port), letter(), check_address("ana@münchen.de"))
        with pytest.raises(smtp_client.PermanentFailure, match="SMTPUTF8"):
            smtp_client.send(settings_for(server.port), letter(), check_address("josé@b.es"))
    [received] = server.received
    assert received.recipients == ["ana@xn--mnchen-3ya.de"]


def test_no_server_a_busy_server_a_refusal_and_a_hanging_server_are_told_apart():
    with pytest.raises(smtp_client.TemporaryFailure, match="Could not reach"):
        smtp_client.send(settings_for(free_port()), letter(), check_address(APPLICANT))
    with mail_server() as server:
        server.handler.busy = 1
        with pytest.raises(smtp_client.TemporaryFailure, match="421"):
            smtp_client.send(settings_for(server.port), letter(), check_address(APPLICANT))
        server.handler.refuse.add("gone@example.org")
        with pytest.raises(smtp_client.PermanentFailure, match=r"550 5\.1\.1 No such mailbox"):
            smtp_client.send(settings_for(server.port), letter(),
                             check_address("gone@example.org"))
        assert server.received == []
    with hanging_server() as port, \
            pytest.raises(smtp_client.TemporaryFailure, match=r"did not answer within 0\.3 s"):
        smtp_client.send(settings_for(port, SMTP_TIMEOUT=0.3), letter(), check_address(APPLICANT))


# --- Through the job system, on both databases ------------------------------------------------


@pytest.fixture
def server():
    with mail_server() as running:
        yield running


@pytest.fixture
def crew(db):
    make_staff(db, "rita@city.gov", ["reviewers"])
    make_staff(db, "sue@city.gov", ["supervisors"])


def app_for(db, tmp_path, server, **extra):
    return make_app(db, tmp_path, **server.config(**extra))


def jobs_by_state(db) -> dict[str, list[Job]]:
    found: dict[str, list[Job]] = {}
    with db.session() as session:  # committed, so the rows stay readable afterwards
        for job in session.scalars(select(Job).where(Job.kind == "email").order_by(Job.id)):
            found.setdefault(job.state, []).append(job)
    return found


def later(minutes: float):
    """A clock ``minutes`` ahead of now: retries are due again without waiting."""
    return lambda: utcnow() + timedelta(minutes=minutes)


SUBJECTS = {
    "en": ("We received your form", "Changes needed to your form", "Your form was not approved"),
    "es": ("Hemos recibido su formulario", "Se necesitan cambios en su formulario",
           "Su formulario no fue aprobado"),
    "zh": ("我们已收到您的表格", "您的表格需要修改", "您的表格未获批准"),
}


@pytest.mark.parametrize("lang", ["en", "es", "zh"])
def test_every_resident_kind_in_the_residents_language(db, tmp_path, server, crew, lang):
    app = app_for(db, tmp_path, server)
    version = publish_permit(db)
    reference = submit(db, version, lang=lang, place=HOSTILE)
    decide(db, reference, "rita@city.gov", {"reviewers"}, 0, "reviewers", "return",
           "Say <which> street")
    outcomes = run_jobs(app)
    with db.session() as session:
        routing.resubmit(session, submissions.get_by_reference(session, reference),
                         {"place": "Elm St", "email": APPLICANT})
    decide(db, reference, "rita@city.gov", {"reviewers"}, 0, "reviewers", "reject", "No room")
    outcomes += run_jobs(app)
    assert [o.result for o in outcomes] == ["done"] * 5
    mine = [r for r in server.received if r.recipients == [APPLICANT]]
    receipt, returned, decision = (r.message for r in mine)
    for message, subject in zip((receipt, returned, decision), SUBJECTS[lang], strict=True):
        assert message["Subject"].startswith(subject) and reference in message["Subject"]
        assert message["Content-Language"] == lang
    title = {"en": "Street permit", "es": "Permiso de calle", "zh": "街道许可证"}[lang]
    text, html = bodies(receipt)
    assert title in text and HOSTILE in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    [pdf] = [part for part in receipt.iter_attachments()]
    assert pdf.get_filename() == f"{reference}.pdf"
    assert pdf.get_content().startswith(b"%PDF-")
    text, html = bodies(returned)
    assert "Say <which> street" in text and "Say &lt;which&gt; street" in html
    assert "/returned/" in text
    assert "No room" in bodies(decision)[0]
    staff = [r.message["Subject"] for r in server.received if r.recipients == ["rita@city.gov"]]
    assert staff == [f"New task: Review for {reference}"] * 2


APPROVED = {"en": "Your form was approved: ", "es": "Su formulario fue aprobado: ",
            "zh": "您的表格已获批准："}


@pytest.mark.parametrize("lang", ["en", "es", "zh"])
def test_the_approval_email_once_every_step_approved(db, tmp_path, server, crew, lang):
    app = app_for(db, tmp_path, server)
    make_staff(db, "fin@city.gov", ["finance"])
    reference = submit(db, publish_permit(db, notify={"on_submit": []}), lang=lang)
    decide(db, reference, "rita@city.gov", {"reviewers"}, 0, "reviewers", "approve")
    decide(db, reference, "fin@city.gov", {"finance"}, 1, "finance", "approve")
    decide(db, reference, "legal@city.gov", set(), 1, "legal@city.gov", "approve")
    assert {o.result for o in run_jobs(app)} == {"done"}
    [approved] = [r.message for r in server.received if r.recipients == [APPLICANT]]
    assert approved["Subject"] == f"{APPROVED[lang]}{reference}"
    title = {"en": "Street permit", "es": "Permiso de calle", "zh": "街道许可证"}[lang]
    assert title in bodies(approved)[0] and title in bodies(approved)[1]
    assert sorted(r.recipients[0] for r in server.received if r.recipients != [APPLICANT]) \
        == ["fin@city.gov", "legal@city.gov", "rita@city.gov"]


def test_a_return_answered_before_its_email_went_sends_nothing(db, tmp_path, server, crew):
    app = app_for(db, tmp_path, server)
    reference = submit(db, publish_permit(db, notify={"on_submit": []}))
    decide(db, reference, "rita@city.gov", {"reviewers"}, 0, "reviewers", "return", "Which?")
    with db.session() as session:
        routing.resubmit(session, submissions.get_by_reference(session, reference),
                         {"place": "Elm St", "email": APPLICANT})
    assert {o.result for o in run_jobs(app)} == {"done"}
    assert [r.recipients for r in server.received] == [["rita@city.gov"]] * 2


def test_the_return_link_in_the_email_opens_the_return(db, tmp_path, server, crew):
    app = app_for(db, tmp_path, server)
    reference = submit(db, publish_permit(db))
    decide(db, reference, "rita@city.gov", {"reviewers"}, 0, "reviewers", "return", "Which?")
    run_jobs(app)
    [returned] = [r for r in server.received if "Changes needed" in r.message["Subject"]]
    link = next(line for line in bodies(returned.message)[0].splitlines() if "/returned/" in line)
    page = app.test_client().get(link.strip().replace("http://127.0.0.1:5000", ""))
    assert page.status_code == 200 and "Which?" in page.get_data(as_text=True)


def test_staff_reminders_and_escalations(db, tmp_path, server, crew):
    app = app_for(db, tmp_path, server)
    reference = submit(db, publish_permit(db, applicant_email=None))
    with db.session() as session:
        routing.check_overdue(session, utcnow() + timedelta(days=2, hours=1))
        routing.check_overdue(session, utcnow() + timedelta(days=5))
    run_jobs(app)
    subjects = {(r.recipients[0], r.message["Subject"]) for r in server.received}
    assert subjects == {("rita@city.gov", f"New task: Review for {reference}"),
                        ("rita@city.gov", f"Overdue: Review for {reference}"),
                        ("sue@city.gov", f"Escalated to you: Review for {reference}")}
    link = f"http://127.0.0.1:5000/staff/submissions/{reference}"
    assert all(link in bodies(r.message)[0] for r in server.received)


def test_a_resend_is_the_same_message(db, tmp_path, server, crew):
    from formbuilder.mail.jobs import deliver

    app = app_for(db, tmp_path, server)
    submit(db, publish_permit(db, applicant_email=None))
    with db.session(readonly=True) as session:
        payload = session.scalars(select(Job.payload).where(Job.kind == "email")).one()
    with app.app_context():
        first = deliver(app, db, None, payload)
        second = deliver(app, db, None, payload)
    assert first == second
    assert [r.message_id for r in server.received] == [first, first]


def test_header_injection_is_parked_at_once_with_its_reason(db, tmp_path, server, crew):
    app = app_for(db, tmp_path, server)
    submit(db, publish_permit(db), email="ana@example.org\r\nBcc: x@evil.example")
    outcomes = run_jobs(app)
    assert sorted(o.result for o in outcomes) == ["done", "parked"]
    [parked] = jobs_by_state(db)["parked"]
    assert parked.attempts == 1 and "line break" in parked.last_error
    assert [r.recipients for r in server.received] == [["rita@city.gov"]]


def test_a_job_that_names_no_email_is_parked_at_once(db, tmp_path, server):
    from formbuilder.jobs import enqueue

    app = app_for(db, tmp_path, server)
    with db.session() as session:
        enqueue(session, "email", {"kind": "receipt", "to": APPLICANT})
        enqueue(session, "email", {"kind": "postcard", "to": APPLICANT, "event": 1})
    assert [o.result for o in run_jobs(app)] == ["parked", "parked"]
    reasons = sorted(job.last_error for job in jobs_by_state(db)["parked"])
    assert reasons == ["The email job asks for an unknown kind of email: 'postcard'",
                       "The email job names no event"]


def test_a_unicode_address_is_delivered(db, tmp_path, server, crew):
    app = app_for(db, tmp_path, server)
    submit(db, publish_permit(db), email="josé@ñandú.es", lang="es")
    run_jobs(app)
    [receipt] = [r for r in server.received if r.recipients != ["rita@city.gov"]]
    assert receipt.recipients == ["josé@ñandú.es"]


def test_smtp_down_then_back_delivers_once(db, tmp_path, crew):
    port = free_port()
    app = make_app(db, tmp_path, MAIL="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                   SMTP_TIMEOUT=2.0)
    submit(db, publish_permit(db, applicant_email=None))
    for minute in (0, 2, 10):
        outcomes = run_jobs(app, now=later(minute))
        assert [o.result for o in outcomes] == ["retry"]
        assert "Could not reach the mail server" in outcomes[0].error
    with mail_server(port=port) as server:
        assert [o.result for o in run_jobs(app, now=later(120))] == ["done"]
        assert run_jobs(app, now=later(600)) == []
    assert len(server.received) == 1
    assert jobs_by_state(db)["done"][0].attempts == 4


def test_a_busy_server_421_then_250(db, tmp_path, server, crew):
    app = app_for(db, tmp_path, server)
    submit(db, publish_permit(db, applicant_email=None))
    server.handler.busy = 1
    assert [o.result for o in run_jobs(app)] == ["retry"]
    assert server.received == []
    assert [o.result for o in run_jobs(app, now=later(60))] == ["done"]
    assert len(server.received) == 1


def test_a_recipient_refused_with_550_is_parked_with_the_servers_words(db, tmp_path, server,
                                                                        crew):
    app = app_for(db, tmp_path, server)
    submit(db, publish_permit(db))
    server.handler.refuse.add(APPLICANT)
    outcomes = run_jobs(app)
    assert sorted(o.result for o in outcomes) == ["done", "parked"]
    [parked] = jobs_by_state(db)["parked"]
    assert "550 5.1.1 No such mailbox here" in parked.last_error
    assert run_jobs(app, now=later(600)) == []


def test_a_hanging_server_times_out_and_is_retried(db, tmp_path, crew):
    with hanging_server() as port:
        app = make_app(db, tmp_path, MAIL="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                       SMTP_TIMEOUT=0.3)
        submit(db, publish_permit(db, applicant_email=None))
        outcomes = run_jobs(app)
    assert [o.result for o in outcomes] == ["retry"] and "did not answer" in outcomes[0].error
    assert jobs_by_state(db)["queued"][0].attempts == 1


def test_without_a_mail_server_messages_are_kept_on_disk(db, tmp_path, crew):
    app = make_app(db, tmp_path, MAIL="log", MAIL_DIR=str(tmp_path / "mail"))
    submit(db, publish_permit(db, applicant_email=None))
    assert [o.result for o in run_jobs(app)] == ["done"]
    [kept] = (tmp_path / "mail").glob("*.eml")
    assert b"New task: Review" in kept.read_bytes() and b"To: rita@city.gov" in kept.read_bytes()


# --- The "save and come back" link, from the saved page ------------------------------------


def save_a_draft(client, lang="en"):
    page = client.get(f"/forms/street-permit/1?lang={lang}").get_data(as_text=True)
    response = client.post("/forms/street-permit/1", data={
        "csrf_token": csrf_token(page), "place": "Half done", "_save": "1"})
    assert response.status_code == 302 and response.location.endswith("/saved")
    return client.get("/forms/street-permit/saved").get_data(as_text=True)


def test_the_saved_page_emails_the_resume_link_through_a_job(db, tmp_path, server):
    app = app_for(db, tmp_path, server)
    publish_permit(db)
    client = app.test_client()
    page = save_a_draft(client, "es")
    link = re.search(r'class="resume-link"><a href="([^"]+)"', page).group(1)
    response = client.post("/forms/street-permit/saved", data={
        "csrf_token": csrf_token(page), "email": "ana@example.org"})
    assert response.status_code == 200 and "ana@example.org" in response.get_data(as_text=True)
    assert server.received == []  # enqueued, not sent in the request
    with db.session(readonly=True) as session:
        [payload] = session.scalars(select(Job.payload).where(Job.kind == "email")).all()
    token = link.rsplit("/", 1)[1]
    assert token not in str(payload)  # the token is sealed in the job, as drafts keep a hash
    assert [o.result for o in run_jobs(app)] == ["done"]
    [received] = server.received
    assert received.message["Subject"] == "Su formulario guardado: Permiso de calle"
    text, _ = bodies(received.message)
    assert f"http://127.0.0.1:5000/resume/{token}?lang=es" in text  # FORMBUILDER_BASE_URL
    other = app.test_client()
    asked = other.get(link.replace("http://localhost", ""))  # asks first: a GET moves nothing
    assert asked.status_code == 200
    resumed = other.post(link.replace("http://localhost", ""),
                         data={"csrf_token": csrf_token(asked.get_data(as_text=True))})
    assert resumed.status_code == 302 and resumed.location.endswith("/forms/street-permit/1")


@pytest.mark.parametrize("email", ["", "not an address", "a@b.c\r\nBcc: x@y.z"])
def test_the_saved_page_refuses_a_bad_address_plainly(db, tmp_path, server, email):
    app = app_for(db, tmp_path, server)
    publish_permit(db)
    client = app.test_client()
    page = save_a_draft(client)
    response = client.post("/forms/street-permit/saved", data={
        "csrf_token": csrf_token(page), "email": email})
    assert response.status_code == 400
    assert 'class="error-message"' in response.get_data(as_text=True)
    assert client.post("/forms/street-permit/saved",
                       data={"email": "ana@example.org"}).status_code == 400  # no CSRF token
    with db.session(readonly=True) as session:
        assert session.scalars(select(Job).where(Job.kind == "email")).all() == []
