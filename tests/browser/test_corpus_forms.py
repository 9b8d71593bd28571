"""Forms nobody here wrote: the 81 peer schemas of ``tests/corpus`` (JSON Forms, rjsf).

Each schema that ``schemas.check`` accepts is published as a bare-schema form; its first page
is fetched through the Flask test client (its heading, its "Continue" button, and the form's
markup: every control labelled once, options in fieldsets with a legend, no dangling ids),
and a minimal valid answer set (the required questions, plus what the schema's conditions
then ask for) is sent through the client, page by page as a browser posts it, until a
reference number comes back. The first page of a few of them is also opened in Chromium
(JavaScript on) and audited with axe: the fewest schemas that between them show every kind of
question the corpus has (``IN_THE_BROWSER``; the example forms' journeys audit the same
widgets on many more pages). Each schema that ``check`` refuses must say why in plain words,
with the line.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import resident
from checked_files import CORPUS, corpus_id, errors
from html_checks import Page

import schemas

HERE = Path(__file__).resolve().parent
FORM_ELEMENT = re.compile(r"<form method=\"post\".*?</form>", re.S)


KNOWN_REFUSALS: dict[str, str] = {
    "jsonforms/enumInArray": "an array of choices under a bare schema asks for details of "
                             "an item no box can fill",
    "jsonforms/json-editor": "a bare schema of any type becomes a required group with no "
                             "questions, which no resident can answer",
}
CHECKED = {path: errors(path) for path in CORPUS}
ACCEPTED = [
    pytest.param(path, id=corpus_id(path), marks=[pytest.mark.xfail(
        raises=resident.SubmissionFailed, strict=True, reason=KNOWN_REFUSALS[corpus_id(path)])]
        if corpus_id(path) in KNOWN_REFUSALS else [])
    for path in CORPUS if not CHECKED[path]]
REFUSED = [path for path in CORPUS if CHECKED[path]]


@cache
def load(path: Path) -> Any:
    """A corpus schema as a form, read once per process."""
    return schemas.load(path)


def question_kinds(path: Path) -> set[str]:
    return {resident.widget(question) for question in load(path).fields.values()}


def fewest_showing_every_kind(paths: list[Path]) -> list[Path]:
    """A small set of ``paths`` whose forms between them show every kind of question (greedy:
    the schema adding the most kinds not yet shown, first in file order on a tie)."""
    kinds = {path: question_kinds(path) for path in paths}
    chosen: list[Path] = []
    missing = set().union(*kinds.values())
    while missing:
        best = max(paths, key=lambda path: len(kinds[path] & missing))
        chosen.append(best)
        missing -= kinds[best]
    return sorted(chosen)


IN_THE_BROWSER = fewest_showing_every_kind([path for path in CORPUS if not CHECKED[path]])


def test_the_corpus_is_all_there() -> None:
    assert len(CORPUS) == 81
    assert len(ACCEPTED) >= 0.8 * len(CORPUS), [corpus_id(p) for p in REFUSED]


@pytest.fixture
def corpus_form(corpus_path: Path) -> Any:
    return load(corpus_path)


@pytest.fixture
def published_forms(corpus_form: Any) -> list[Any]:
    """This one peer schema (some share an id, so one per test)."""
    return [corpus_form]


def first_page_title(form: Any) -> str:
    first = resident.expected_pages(form, {})[0]
    return form.pages[first].title.get(form.default_language) or form.title.get(
        form.default_language)


def test_the_browser_sees_every_kind_of_question_of_the_corpus() -> None:
    accepted = [path for path in CORPUS if not CHECKED[path]]
    every = set().union(*(question_kinds(path) for path in accepted))
    assert set().union(*(question_kinds(path) for path in IN_THE_BROWSER)) == every
    assert len(IN_THE_BROWSER) < len(accepted) / 4


@pytest.mark.parametrize("corpus_path", ACCEPTED)
def test_a_peer_schema_is_a_form_that_takes_a_submission(app: Any, corpus_form: Any) -> None:
    form = corpus_form
    client = app.test_client()
    response = client.get(f"/forms/{form.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    headings = Page(html).find("h1")
    assert [h.words() for h in headings] == [" ".join(first_page_title(form).split())]
    found = FORM_ELEMENT.search(html)
    assert found, "the page has a form that posts"
    markup = Page(found.group(0))
    markup.check()
    assert [b for b in markup.find("button") if b.words() == "Continue"], "no Continue button"

    answers = resident.plan_answers(form, minimal=True)
    reference = resident.submit_with_client(client, form, answers)
    assert re.fullmatch(rf"{form.reference_prefix}-[0-9]{{4}}-[0-9]{{6}}", reference)


@pytest.mark.parametrize("corpus_path", IN_THE_BROWSER, ids=corpus_id)
def test_a_peer_schema_is_an_accessible_form_in_the_browser(
        page: Any, live_server: str, axe: Any, corpus_form: Any) -> None:
    from playwright.sync_api import expect

    response = page.goto(f"{live_server}/forms/{corpus_form.id}")
    assert response is not None and response.status == 200
    axe.assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(first_page_title(corpus_form))
    expect(page.get_by_role("button", name="Continue", exact=True)).to_be_visible()


@pytest.mark.parametrize("corpus_path", REFUSED, ids=corpus_id)
def test_a_peer_schema_that_cannot_be_a_form_is_refused_in_plain_words(
        corpus_path: Path) -> None:
    """No traceback, no silently wrong form: each problem names its line and says what."""
    for problem in CHECKED[corpus_path]:
        assert problem.line is not None, problem
        assert problem.file.endswith(corpus_path.name), problem
        words = problem.message.strip()
        assert len(words.split()) >= 6 and "Traceback" not in words, problem
    with pytest.raises(schemas.FormError):
        schemas.load(corpus_path)


def one_schema(name: str) -> pytest.MarkDecorator:
    """Run the test for the one corpus schema ``name`` (e.g. ``rjsf/alternatives``)."""
    return pytest.mark.parametrize("corpus_path", [HERE.parent / "corpus" / f"{name}.json"],
                                   ids=corpus_id)


@pytest.fixture
def first_page(page: Any, live_server: str, axe: Any, corpus_form: Any) -> Any:
    """``page`` showing the corpus form's first page, audited."""
    page.goto(f"{live_server}/forms/{corpus_form.id}")
    axe.assert_accessible(page)
    return page


@one_schema("rjsf/ifThenElse")
def test_a_question_of_two_branches_offers_the_choices_of_the_branch_that_applies(
        first_page: Any) -> None:
    """The script shows the choices of the answer given and sends no other: a choice the new
    answer leaves out is hidden and disabled, and comes back ticked if the answer does."""
    from playwright.sync_api import expect

    page = first_page
    animal = page.get_by_role("group", name="Animal")
    food = page.get_by_role("group", name="Food")
    expect(food).to_be_hidden()  # no animal yet: no food is allowed

    def offered() -> list[str]:
        return sorted(food.get_by_role("radio").evaluate_all(
            "radios => radios.map(r => r.labels[0].textContent.trim())"))

    animal.get_by_role("radio", name="Cat").check()
    assert offered() == ["fish", "grass", "meat"]
    food.get_by_role("radio", name="meat").check()
    animal.get_by_role("radio", name="Fish").check()
    assert offered() == ["insect", "worms"]
    meat = page.locator("input[name=food][value=meat]")
    expect(meat).to_be_disabled()
    expect(meat).to_be_hidden()
    animal.get_by_role("radio", name="Cat").check()
    expect(food.get_by_role("radio", name="meat")).to_be_checked()


@one_schema("rjsf/alternatives")
def test_titled_alternatives_are_offered_as_choices(first_page: Any) -> None:
    page = first_page
    red = page.get_by_role("radio", name="Red").or_(page.get_by_role("option", name="Red"))
    assert red.count() >= 1, "the brush colour cannot be picked by its name"
