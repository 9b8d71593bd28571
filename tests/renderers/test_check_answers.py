""""Check your answers" and the error summary, as a resident reads them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from example_forms import every_example
from html_checks import Page, sample_answers

from renderers.html import render_check_answers, render_error_summary
from schemas import load

ROOT = Path(__file__).parents[2]
FORMS = every_example()
SINK = load(Path(__file__).parent / "kitchen-sink.yaml")


@dataclass
class FieldError:
    path: str
    message: str
    code: str = "test"


def change(page: int, path: str) -> str:
    return f"/change/{page}#{path}"


def summary(form, answers, lang="en", **kw) -> Page:
    page = Page(render_check_answers(form, answers, lang, **kw))
    page.check()
    return page


def rows(page: Page) -> dict[str, str]:
    out = {}
    for row in page.find("div"):
        if "summary-list__row" not in row.attrs.get("class", ""):
            continue
        key = next(c for c in row.children if c.tag == "dt").all_text()
        value = next(c for c in row.children if c.tag == "dd")
        out[key] = value.words()
    return out


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_example_summarises_accessibly(name):
    form = FORMS[name]
    answers = {k: v for page in form.pages
               for k, v in sample_answers(form, list(page.fields)).items()}
    for lang in form.languages:
        page = summary(form, answers, lang, change_url=change)
        assert page.find("h2"), "a heading per page"
        for link in page.find("a"):
            if link.attrs["href"].startswith("/change/"):
                hidden = [c for c in link.children if c.tag == "span"]
                assert hidden and hidden[0].attrs["class"] == "visually-hidden"
        summary(form, {}, lang)


def test_rows_are_grouped_by_page_with_change_links():
    form = FORMS["pothole-report"]
    page = summary(form, {"location": "Main & 3rd", "size": "large", "lanes_blocked": True,
                          "email": "a@example.com"}, change_url=change)
    assert [h.all_text() for h in page.find("h2")] == [
        "Where is it?", "About the pothole", "How can we reach you?"]
    shown = rows(page)
    assert shown["Where is the pothole?"] == "Main & 3rd"
    assert shown["How big is it?"] == "Wider than a car tire"
    assert shown["Are drivers swerving around it or is it blocking a lane?"] == "Yes"
    assert shown["Your phone number (optional)"] == "Not answered"
    link = page.find("a", href="/change/1#size")[0]
    assert link.all_text() == "Change How big is it?"


def test_questions_that_do_not_apply_are_left_out():
    form = FORMS["pothole-report"]
    shown = rows(summary(form, {"size": "small", "lanes_blocked": True}))
    assert "Are drivers swerving around it or is it blocking a lane?" not in shown
    records = FORMS["public-records-request"]
    page = summary(records, {"format": "inspect", "delivery": "mail",
                             "mailing_address": {"street": "x"}})
    titles = [h.all_text() for h in page.find("h2")]
    assert "Delivery" not in titles and "Mailing address" not in titles


def test_without_change_url_there_are_no_links():
    page = summary(FORMS["pothole-report"], {"location": "x"})
    assert not page.find("a")


def test_repeating_groups_are_listed_item_by_item():
    form = FORMS["residential-parking-permit"]
    page = summary(form, {"vehicles": [{"plate": "AB1", "year": 2019}, {"plate": "CD2"}]},
                   change_url=change)
    headings = [h.all_text() for h in page.find("h3")]
    assert [h for h in headings if h.startswith("Vehicle")] == ["Vehicle 1", "Vehicle 2"]
    assert page.find("a", href="/change/4#vehicles.1.plate")


def test_groups_show_their_questions_and_nested_groups_as_lines():
    form = FORMS["smoke-alarm-request"]
    page = summary(form, {"home": {"address": {"street": "1 Elm", "zip": "62701"},
                                   "home_type": "house"}})
    assert "Your home" in [h.all_text() for h in page.find("h3")]
    shown = rows(page)
    assert shown["What is the address of the home?"] == "1 Elm Springfield 62701"
    assert shown["What type of home is it?"] == "A house or townhouse"
    assert "Program" not in shown, "a hidden question is not listed"


def test_files_are_shown_by_name_with_thumbnails():
    files = {"att_1": {"name": "hole.jpg", "size": 2048, "media_type": "image/jpeg",
                       "url": "/f/1", "thumbnail_url": "/f/1/t"}}
    page = summary(FORMS["pothole-report"], {"photo": "att_1"}, attachments=files.get)
    link = page.find("a", href="/f/1")[0]
    assert link.all_text() == "hole.jpg"
    assert page.find("img", src="/f/1/t")[0].attrs["alt"] == ""
    assert "2 KB" in rows(page)["Photo (optional)"]


def test_values_read_naturally_in_each_language():
    form = FORMS["special-event-permit"]
    answers = {"start_date": "2026-05-01", "attendees": 1500, "activities": ["tents", "stage"]}
    shown = rows(summary(form, answers))
    assert shown["On what date does the event start?"] == "May 1, 2026"
    assert shown["How many people do you expect at the busiest time?"] == "1,500 people"
    assert "A stage or platform" in shown["Will the event have any of these? (optional)"]
    spanish = rows(summary(form, answers, "es"))
    assert spanish["¿En qué fecha empieza el evento?"] == "1 de mayo de 2026"


def test_a_year_is_not_grouped_like_a_count():
    form = FORMS["residential-parking-permit"]
    vehicle = {"plate": "7ABC123", "make": "Toyota", "model": "Corolla", "year": 2019}
    text = " ".join(rows(summary(form, {"vehicles": [vehicle]})).values())
    assert "2019" in text and "2,019" not in text


def test_money_and_fixed_values():
    form = FORMS["residential-parking-permit"]
    shown = rows(summary(form, {}))
    assert shown["Fee for each permit"] == "$35.00 per vehicle per year"
    building = rows(summary(FORMS["building-permit"], {"valuation": 25000}))
    assert building["What is the estimated value of the work?"] == "$25,000.00"


def test_every_construct_summarises():
    page = summary(SINK, {"name": "Ann", "bio": "one\ntwo", "tags": ["a", "b"],
                          "documents": ["att_1"], "moment": "2026-05-01T10:30",
                          "at": "10:30", "agree_terms": False, "newsletter": True},
                   change_url=change)
    shown = rows(page)
    assert shown["About you"] == "one two"
    assert page.find("br")
    assert shown["Tags"] == "a b"
    assert shown["Do you agree?"] == "No"
    assert shown["Documents"] == "att_1"
    assert "10:30" in shown["When"] and "2026" in shown["When"]
    assert "Token" not in shown, "hidden questions are not listed"
    fee = [r for r in page.find("div") if "summary-list__row--no-actions" in r.attrs.get(
        "class", "")]
    assert fee, "fixed answers cannot be changed"


# --- Error summary --------------------------------------------------------------------------------


def test_error_summary_is_an_alert_with_links_to_the_inputs():
    form = FORMS["residential-parking-permit"]
    errors = [FieldError("email", "Enter your email address"),
              FieldError("vehicles.0.plate", "Enter the licence plate"),
              FieldError("vehicles.0.plate", "A second message is not repeated"),
              FieldError("", "Something about the whole form")]
    page = Page(render_error_summary(form, errors, "en"))
    box = page.find("div", class_="error-summary")[0]
    assert box.attrs["role"] == "alert"
    title = page.find("h2")[0]
    assert title.all_text() == "There is a problem"
    assert box.attrs["aria-labelledby"] == title.attrs["id"]
    assert [(a.attrs["href"], a.all_text()) for a in page.find("a")] == [
        ("#f-email", "Enter your email address"),
        ("#f-vehicles-0-plate", "Enter the licence plate")]
    assert "Something about the whole form" in page.root.all_text()


def test_error_summary_is_empty_without_errors_and_can_keep_to_a_page():
    form = FORMS["pothole-report"]
    assert render_error_summary(form, [], "en") == ""
    errors = [FieldError("email", "Enter your email"), FieldError("size", "Choose a size")]
    page = Page(render_error_summary(form, errors, "en", fields=["size"]))
    assert [a.attrs["href"] for a in page.find("a")] == ["#f-size"]
