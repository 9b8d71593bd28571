"""The studio at /staff/forms through the Flask test client, on SQLite and PostgreSQL: grants,
new forms, saving and checking, concurrent saves, preview, the route tester, publishing with
sign-off, history, closing, and bad input."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import func, select
from staff import StaffActions, csrf_token, make_app, make_staff

from formbuilder.models import FormVersion, Job, ReferenceCounter, StudioEvent, Submission, User
from formbuilder.services import publishing, studio, studio_grants

AUTHOR, OTHER, PUBLISHER = "ana@city.example", "olga@city.example", "pablo@city.example"
FORMS = "/staff/forms"


@pytest.fixture
def app(db, tmp_path):
    return make_app(db, tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


def grant(db, email: str, text: str, *, roles: tuple[str, ...] = ()) -> None:
    make_staff(db, email, roles)
    with db.session() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        studio_grants.set_grants(session, user, studio_grants.parse_grants(text))


@pytest.fixture
def people(db):
    grant(db, AUTHOR, "author of Public Works")
    grant(db, OTHER, "author of Parks")
    grant(db, PUBLISHER, "publisher")


def signed_in(app, email: str) -> Any:
    client = app.test_client()
    StaffActions(client).sign_in(email)
    return client


def text_of(response) -> str:
    return response.get_data(as_text=True)


def post(client, page_url: str, url: str, data: dict, **kwargs):
    page = client.get(page_url)
    assert page.status_code == 200, text_of(page)[:500]
    return client.post(url, data={"csrf_token": csrf_token(text_of(page)), **data}, **kwargs)


def new_form(client, **data) -> Any:
    return post(client, f"{FORMS}/new", f"{FORMS}/new", {"how": "blank", **data},
                content_type="multipart/form-data")


def source_of(client, form_id: str) -> tuple[str, int]:
    page = text_of(client.get(f"{FORMS}/{form_id}/edit"))
    text = re.search(r'<textarea[^>]*id="source"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    revision = re.search(r'name="revision" value="(\d+)"', page)
    assert text and revision, page[:2000]
    import html
    return html.unescape(text.group(1)), int(revision.group(1))


def save(client, form_id: str, text: str, revision: int | None = None):
    if revision is None:
        revision = source_of(client, form_id)[1]
    return post(client, f"{FORMS}/{form_id}/edit", f"{FORMS}/{form_id}/edit",
                {"source": text, "revision": str(revision)}, content_type="multipart/form-data")


def count(db, model) -> int:
    with db.session(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(model))


POTHOLE = """id: pothole-fix
title: Report a pothole
department: Public Works
applicant_email: email
languages: [en, es]
title_es: Reportar un bache
schema:
  type: object
  required: [location, email]
  properties:
    location:
      type: string
      title: Where is it?
      title_es: ¿Dónde está?
    size:
      type: string
      title: How big?
      title_es: ¿Qué tamaño?
      enum: [small, large]
    email:
      type: string
      format: email
      title: Your email
      title_es: Su correo
ui:
  pages:
    - {title: Where, title_es: Dónde, fields: [location, size]}
    - {title: You, title_es: Usted, fields: [email]}
routing:
  - step: Dispatch review
    step_es: Revisión
    assign: public-works-dispatch
    due: 2 days
  - step: Supervisor
    step_es: Supervisor
    when: size is "large"
    assign: public-works-supervisor
"""


# --- who may --------------------------------------------------------------------------------


def test_staff_without_grants_do_not_get_the_studio(db, app, people):
    make_staff(db, "nobody@city.example", ["public-works-dispatch"])
    client = signed_in(app, "nobody@city.example")
    assert client.get(FORMS).status_code == 403
    assert 'href="/staff/forms"' not in text_of(client.get("/staff"))
    assert 'href="/staff/forms"' in text_of(signed_in(app, AUTHOR).get("/staff"))


def test_an_author_of_one_department_cannot_see_another_departments_drafts(db, app, people):
    ana = signed_in(app, AUTHOR)
    assert new_form(ana, title="Report a pothole", department="Public Works").status_code == 302
    olga = signed_in(app, OTHER)
    assert "report-a-pothole" not in text_of(olga.get(FORMS))
    for path in ("edit", "preview", "route", "publish", "history", "blank.pdf"):
        assert olga.get(f"{FORMS}/report-a-pothole/{path}").status_code == 404, path
    refused = new_form(olga, title="Steal it", department="Public Works")
    assert refused.status_code == 400 and "Choose one of your departments" in text_of(refused)
    assert "report-a-pothole" in text_of(signed_in(app, PUBLISHER).get(FORMS))


def test_every_post_needs_its_csrf_token(db, app, people):
    ana = signed_in(app, AUTHOR)
    new_form(ana, title="Report a pothole", department="Public Works")
    for path in ("edit", "ask", "withdraw", "send-back", "sign-off", "close", "reopen",
                 "preview/reset", "route"):
        assert ana.post(f"{FORMS}/report-a-pothole/{path}", data={}).status_code == 400, path
    assert ana.post(f"{FORMS}/new", data={"title": "x"}).status_code == 400
    typed = ana.post(f"{FORMS}/report-a-pothole/edit", data={"source": "title: kept <b>",
                                                              "revision": "1"})
    assert "title: kept &lt;b&gt;" in source_of_page(text_of(typed))
    assert source_of(ana, "report-a-pothole")[1] == 1


def test_the_admin_grants_studio_rights_on_the_account_page(db, app):
    make_staff(db, "boss@city.example", admin=True)
    make_staff(db, "new@city.example")
    admin = signed_in(app, "boss@city.example")
    with db.session(readonly=True) as session:
        user_id = session.scalars(select(User.id).where(User.email == "new@city.example")).one()
    url = f"/staff/admin/users/{user_id}"
    bad = post(admin, url, url, {"roles": "", "grants": "editor of everything"})
    assert bad.status_code == 400 and "is not a grant" in text_of(bad)
    done = post(admin, url, url, {"roles": "", "grants": "author of Parks\npublisher"})
    assert done.status_code == 302
    assert "author of Parks\npublisher" in text_of(admin.get(url))


# --- new forms ------------------------------------------------------------------------------


def test_a_new_form_from_an_example_takes_the_id_suggested_by_its_title(db, app, people):
    grant(db, "sam@city.example", "author")
    sam = signed_in(app, "sam@city.example")
    made = new_form(sam, how="template", template="dog-license", title="Dog Licence 2027",
                    department="Animal Services")
    assert made.headers["Location"].endswith("/staff/forms/dog-licence-2027/edit")
    text, revision = source_of(sam, "dog-licence-2027")
    assert text.count("id: dog-licence-2027") == 1 and revision == 1
    assert "No problems: the form can be published" in text_of(
        sam.get(f"{FORMS}/dog-licence-2027/edit"))
    taken = new_form(sam, how="template", template="dog-license", form_id="dog-licence-2027")
    assert taken.status_code == 400 and "already a form" in text_of(taken)


def test_uploads_yaml_a_bare_json_schema_and_refuses_binary_and_huge_files(db, app, people):
    ana = signed_in(app, AUTHOR)

    def upload(data: bytes, name: str, form_id: str):
        import io
        return new_form(ana, how="upload", form_id=form_id, department="Public Works",
                        file=(io.BytesIO(data), name))

    assert upload(POTHOLE.encode(), "pothole.yaml", "pothole-fix").status_code == 302
    bare = {"type": "object", "title": "Tree planting",
            "properties": {"street": {"type": "string", "title": "Street"}}}
    assert upload(json.dumps(bare).encode(), "trees.json", "tree-planting").status_code == 302
    assert "No problems" in text_of(ana.get(f"{FORMS}/tree-planting/edit"))
    binary = upload(b"\x89PNG\r\n\x1a\n\0\0\0IHDR" * 10, "photo.yaml", "photo-form")
    assert binary.status_code == 400 and "not a text file" in text_of(binary)
    huge = upload(b"# " + b"x" * 2_100_000, "huge.yaml", "huge-form")
    assert huge.status_code == 400 and "at most 2 MB" in text_of(huge)


# --- editing --------------------------------------------------------------------------------


def test_a_draft_with_errors_is_saved_with_each_problem_beside_its_line(db, app, people):
    ana = signed_in(app, AUTHOR)
    new_form(ana, how="upload", form_id="pothole-fix", department="Public Works",
             file=(__import__("io").BytesIO(POTHOLE.encode()), "p.yaml"))
    broken = POTHOLE.replace('when: size is "large"', 'when: sise is "large"')
    response = save(ana, "pothole-fix", broken)
    assert response.status_code == 302
    page = text_of(ana.get(response.headers["Location"]))
    assert "1 problem to fix before publishing" in page
    assert "Did you mean `size`?" in page
    line = broken.split("\n").index('    when: sise is "large"') + 1
    assert f'href="#line-{line}"' in page and f"Line {line}</a>" in page
    assert "/staff/forms/guide/conditions" in page
    assert source_of(ana, "pothole-fix")[0] == broken  # kept exactly as typed
    asked = post(ana, f"{FORMS}/pothole-fix/publish", f"{FORMS}/pothole-fix/ask",
                 {"revision": "2", "reason": ""})
    assert asked.status_code == 400 and "still has problems" in text_of(asked)


def test_the_second_of_two_saves_is_refused_with_the_difference(db, app, people):
    grant(db, "ben@city.example", "author of Public Works")
    ana, ben = signed_in(app, AUTHOR), signed_in(app, "ben@city.example")
    new_form(ana, title="Report a pothole", department="Public Works")
    text, revision = source_of(ana, "report-a-pothole")
    assert save(ben, "report-a-pothole", text + "keywords: [road]\n", revision).status_code == 302
    refused = save(ana, "report-a-pothole", text + "keywords: [street]\n", revision)
    page = text_of(refused)
    assert refused.status_code == 409
    assert "Someone else saved this draft" in page and "ben@city.example" in page
    assert "+keywords: [street]" in page and "-keywords: [road]" in page
    assert "keywords: [street]" in source_of_page(page)  # what Ana typed is still there
    assert source_of(ben, "report-a-pothole")[0].endswith("keywords: [road]\n")


def source_of_page(page: str) -> str:
    found = re.search(r'<textarea[^>]*id="source"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert found
    return found.group(1)


def test_bad_input_gets_a_message_and_nothing_typed_is_lost(db, app, people):
    ana = signed_in(app, AUTHOR)
    new_form(ana, title="<script>alert(1)</script> form", form_id="scripted",
             department="Public Works")
    page = text_of(ana.get(f"{FORMS}/scripted/edit"))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    too_big = "title: x\n" + "# " + "y" * 2_100_000
    response = save(ana, "scripted", too_big)
    assert response.status_code == 400 and "at most 2 MB" in text_of(response)
    assert too_big[-50:] in text_of(response)  # still in the box
    binary = save(ana, "scripted", "id: scripted\x00\x01\x02 kept")
    assert binary.status_code == 400 and "no text file has" in text_of(binary)
    assert "id: scripted" in source_of_page(text_of(binary))


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # the checker's time, not the DB's
def test_a_definition_with_ten_thousand_questions_is_saved_and_checked(db, app, people):
    ana = signed_in(app, AUTHOR)
    new_form(ana, title="Huge", form_id="huge-form", department="Public Works")
    lines = ["id: huge-form", "title: Huge", "department: Public Works", "schema:",
             "  type: object", "  properties:"]
    lines += [f"    q{n}: {{type: string, title: Question {n}}}" for n in range(10_000)]
    response = save(ana, "huge-form", "\n".join(lines) + "\n")
    assert response.status_code == 302
    assert text_of(ana.get(response.headers["Location"])).count('id="line-') >= 10_000


# --- preview and route ----------------------------------------------------------------------


def published_pothole(db, app) -> Any:
    ana = signed_in(app, AUTHOR)
    new_form(ana, how="upload", form_id="pothole-fix", department="Public Works",
             file=(__import__("io").BytesIO(POTHOLE.encode()), "p.yaml"))
    return ana


def test_preview_in_spanish_fills_in_checks_and_prints_without_a_submission(db, app, people):
    ana = published_pothole(db, app)
    shell = text_of(ana.get(f"{FORMS}/pothole-fix/preview?in=es&width=phone&js=off"))
    assert 'src="/staff/forms/pothole-fix/preview/es/1?js=off"' in shell
    frame = ana.get(f"{FORMS}/pothole-fix/preview/es/1?js=off")
    assert "frame-ancestors 'self'" in frame.headers["Content-Security-Policy"]
    assert "script-src 'none'" in frame.headers["Content-Security-Policy"]
    assert "¿Dónde está?" in text_of(frame) and "conditional.js" not in text_of(frame)
    token = csrf_token(text_of(frame))
    missing = ana.post(f"{FORMS}/pothole-fix/preview/es/1?js=off",
                       data={"csrf_token": token, "size": "large"})
    assert missing.status_code == 400 and "¿Dónde está?" in text_of(missing)
    step = ana.post(f"{FORMS}/pothole-fix/preview/es/1?js=off",
                    data={"csrf_token": token, "location": "Main <b>St</b>", "size": "large"})
    assert step.headers["Location"].endswith("/preview/es/2?js=off")
    done = ana.post(f"{FORMS}/pothole-fix/preview/es/2",
                    data={"csrf_token": token, "email": "r@example.org"})
    assert done.headers["Location"].endswith("/preview/es/check")
    check = text_of(ana.get(f"{FORMS}/pothole-fix/preview/es/check"))
    assert "Main &lt;b&gt;St&lt;/b&gt;" in check
    pdf = ana.get(f"{FORMS}/pothole-fix/preview/es/answers.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    blank = ana.get(f"{FORMS}/pothole-fix/blank.pdf?lang=es")
    assert blank.data.startswith(b"%PDF")
    assert ana.get(f"{FORMS}/pothole-fix/preview/es/sent").status_code == 200
    assert (count(db, Submission), count(db, Job), count(db, ReferenceCounter)) == (0, 0, 0)

    tester = post(ana, f"{FORMS}/pothole-fix/route", f"{FORMS}/pothole-fix/route",
                  {"use": "preview"})
    assert "Supervisor</strong>: runs: `size is &#34;large&#34;` is true, size is “large”" \
        in text_of(tester).replace("&quot;", "&#34;")


def test_the_route_tester_explains_skipped_steps_with_the_answers(db, app, people):
    make_staff(db, "dee@city.example", ["public-works-dispatch"])
    ana = published_pothole(db, app)
    page = text_of(post(ana, f"{FORMS}/pothole-fix/route", f"{FORMS}/pothole-fix/route",
                        {"use": "typed", "answer-size": "small"}))
    assert "skipped: `size is &#34;large&#34;` is false, size is “small”" in page.replace(
        "&quot;", "&#34;")
    assert "Held by public-works-dispatch: dee@city.example" in page
    assert "Due 2 days after it starts" in page


# --- publishing -----------------------------------------------------------------------------


def test_ask_send_back_sign_off_and_the_diff_the_publisher_reads(db, app, people):
    ana = published_pothole(db, app)
    publish_url = f"{FORMS}/pothole-fix/publish"
    asked = post(ana, publish_url, f"{FORMS}/pothole-fix/ask",
                 {"revision": "1", "reason": "New pothole form"})
    assert asked.status_code == 302
    own = post(ana, publish_url, f"{FORMS}/pothole-fix/sign-off", {"revision": "1"})
    assert own.status_code == 403  # an author is no publisher

    pablo = signed_in(app, PUBLISHER)
    page = text_of(pablo.get(publish_url))
    assert "A new form: “Report a pothole” with 3 questions and 2 routing steps." in page
    assert "New pothole form" in page
    no_comment = post(pablo, publish_url, f"{FORMS}/pothole-fix/send-back", {"revision": "1"})
    assert no_comment.status_code == 400 and "Write a comment" in text_of(no_comment)
    post(pablo, publish_url, f"{FORMS}/pothole-fix/send-back",
         {"revision": "1", "comment": "Ask for a photo"})
    assert "Ask for a photo" in text_of(ana.get(publish_url))

    post(ana, publish_url, f"{FORMS}/pothole-fix/ask", {"revision": "1", "reason": "Again"})
    signed = post(pablo, publish_url, f"{FORMS}/pothole-fix/sign-off",
                  {"revision": "1", "comment": "Fine"})
    assert signed.status_code == 302
    with db.session(readonly=True) as session:
        version = publishing.latest_version(session, "pothole-fix")
        assert (version.number, version.published_by) == (1, PUBLISHER)
    assert "Signed off: version 1 is live." in text_of(pablo.get(publish_url))
    assert client_sees_form(app, "pothole-fix")

    changed = source_of(ana, "pothole-fix")[0].replace("title: Where is it?",
                                                       "title: Where exactly is it?")
    save(ana, "pothole-fix", changed)
    post(ana, publish_url, f"{FORMS}/pothole-fix/ask", {"revision": "2", "reason": "Clearer"})
    page = text_of(pablo.get(publish_url))
    assert "Reworded: “Where is it?” is now “Where exactly is it?” (`location`)." in page
    history = text_of(pablo.get(f"{FORMS}/pothole-fix/history"))
    assert f"asked by {AUTHOR}" in history and f"signed off by {PUBLISHER}" in history


def client_sees_form(app, form_id: str) -> bool:
    return app.test_client().get(f"/forms/{form_id}").status_code == 200


def test_the_asker_needs_a_second_publisher_unless_the_city_allows_self_publishing(
        db, app, people, tmp_path):
    grant(db, "pia@city.example", "author\npublisher")
    pia = signed_in(app, "pia@city.example")
    new_form(pia, title="Report a pothole", department="Public Works")
    url = f"{FORMS}/report-a-pothole/publish"
    post(pia, url, f"{FORMS}/report-a-pothole/ask", {"revision": "1"})
    refused = post(pia, url, f"{FORMS}/report-a-pothole/sign-off", {"revision": "1"})
    assert refused.status_code == 400 and "someone else must sign it off" in text_of(refused)

    relaxed = make_app(db, tmp_path, STUDIO_SELF_PUBLISH=True)
    ana = signed_in(relaxed, AUTHOR)
    new_form(ana, title="Fix a streetlight", department="Public Works")
    done = post(ana, f"{FORMS}/fix-a-streetlight/publish", f"{FORMS}/fix-a-streetlight/"
                "publish-own", {"revision": "1", "reason": "Urgent"})
    assert done.status_code == 302
    with db.session(readonly=True) as session:
        assert publishing.latest_version(session, "fix-a-streetlight").number == 1


def test_close_with_a_message_reopen_and_restore(db, app, people):
    published_pothole(db, app)
    with db.session() as session:
        studio.publish_own(session, "pothole-fix", revision=1, reason="", by=AUTHOR,
                           now=studio_now(), self_publish=True)
    pablo = signed_in(app, PUBLISHER)
    history = f"{FORMS}/pothole-fix/history"
    closed = post(pablo, history, f"{FORMS}/pothole-fix/close",
                  {"on": "", "message": "Use the 311 app <b>now</b>"})
    assert closed.status_code == 302
    resident = app.test_client().get("/forms/pothole-fix")
    assert "Use the 311 app &lt;b&gt;now&lt;/b&gt;" in text_of(resident)
    assert "closed" in text_of(pablo.get(FORMS))
    post(pablo, history, f"{FORMS}/pothole-fix/reopen", {})
    assert client_sees_form(app, "pothole-fix")
    with db.session(readonly=True) as session:
        assert [v.number for v in studio.versions(session, "pothole-fix")] == [3, 2, 1]
        kinds = [e.kind for e in session.scalars(select(StudioEvent).order_by(StudioEvent.id))]
    assert kinds[-3:] == ["closed", "published", "reopened"]

    ana = signed_in(app, AUTHOR)
    restored = post(ana, history, f"{FORMS}/pothole-fix/restore/1",
                    {"revision": str(source_of(ana, "pothole-fix")[1])})
    assert restored.status_code == 302
    text, revision = source_of(ana, "pothole-fix")
    assert revision == 2 and "Reportar un bache" in text
    with db.session(readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(FormVersion)) == 3


def studio_now():
    from formbuilder.models import utcnow
    return utcnow()


def test_the_guide_has_each_part_with_examples_and_problems_link_to_it(app, db, people):
    ana = signed_in(app, AUTHOR)
    index = text_of(ana.get(f"{FORMS}/guide"))
    assert "/staff/forms/guide/routing-approval-steps" in index
    page = text_of(ana.get(f"{FORMS}/guide/routing-approval-steps"))
    assert "Examples to copy" in page and "escalate_to" in page
    with app.test_request_context():
        from formbuilder.views.studio.guide import CODE_TOPICS, guide_link, topics
        anchors = {t.slug for t in topics()} | {
            a for t in topics() for a in re.findall(r'id="([^"]+)"', str(t.body))}
        assert set(CODE_TOPICS.values()) <= anchors
        assert guide_link("no-such-code").endswith("/guide/checking-a-form")


# --- grants, without a database ---------------------------------------------------------------


@pytest.mark.parametrize(("text", "action", "scope", "allowed"), [
    ("author", "author", ("any-form", "Parks"), True),
    ("author of public  works", "author", ("pothole", "Public Works"), True),
    ("author of Public Works", "author", ("pothole", "Parks"), False),
    ("author of Public Works", "publish", ("pothole", "Public Works"), False),
    ("author of form dog-license", "author", ("dog-license", "Animal Services"), True),
    ("author of form dog-license", "author", ("cat-license", "Animal Services"), False),
    ("publisher of Parks", "publish", ("trees", "Parks"), True),
    ("publisher of Parks", "see", ("trees", "Parks"), True),
    ("publisher of Parks", "author", ("trees", "Parks"), False),
    ("", "see", ("trees", "Parks"), False),
])
def test_grants_answer_the_studios_questions(text, action, scope, allowed):
    from formbuilder.models import StudioGrant
    from formbuilder.services import permissions
    from formbuilder.services.studio_grants import FormScope

    user = User(email="x@city.example", active=True, is_admin=False)
    user.studio_grants = [StudioGrant(grant=g.grant, department=g.department,
                                      form_id=g.form_id)
                          for g in studio_grants.parse_grants(text)]
    assert permissions.can(user, action, FormScope(*scope)) is allowed


@pytest.mark.parametrize("text", ["editor", "publisher of form dog-license",
                                  "author of form Not An Id"])
def test_grants_that_cannot_be_read_say_how_to_write_them(text):
    with pytest.raises(studio_grants.GrantError):
        studio_grants.parse_grants(text)
