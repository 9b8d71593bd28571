"""Blank paper forms of every example: every page and question, when each applies, in words.

Each example's blank PDF is drawn once per test run: the module's tests share ``blanks`` and
stay on one pytest-xdist worker (``xdist_group``; ``make test`` schedules with ``loadgroup``).
"""

from __future__ import annotations

import pytest
from example_forms import every_example
from pdf_checks import pages_text, squeezed, write_pngs

from renderers.html.questions import widget_of
from renderers.pdf import SafeFetcher, blank_html, describe_when, render_blank
from schemas.flow import describe_branch

FORMS = every_example()
pytestmark = pytest.mark.xdist_group("blank-pdfs")


@pytest.fixture(scope="module")
def blanks() -> dict[str, tuple[bytes, str]]:
    out = {}
    for name, form in FORMS.items():
        fetcher = SafeFetcher()
        pdf = render_blank(form, lang="en", city_name="City of Example", fetcher=fetcher)
        assert fetcher.requested == ["asset:pdf.css"]
        out[name] = (pdf, squeezed("".join(pages_text(pdf))))
    return out


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_page_and_question_is_printed_with_when_it_applies(blanks, name):
    form = FORMS[name]
    _, text = blanks[name]
    for page in form.pages:
        assert squeezed(page.title.get("en")) in text
        if page.when is not None:
            assert squeezed(describe_when(form, page.when, "en")) in text
    for field in form.fields.values():
        if widget_of(field) == "hidden" or (field.kind == "repeat" and field.parent):
            continue
        assert squeezed(field.title.get("en")) in text, field.path
        sentence = describe_branch(form, field, "en")
        if sentence and not field.in_repeat:
            assert squeezed(sentence) in text, field.path


def test_choices_are_drawn_as_marks_and_texts_as_boxes():
    form = FORMS["pothole-report"]
    html = blank_html(form, lang="en", city_name="City")
    size = form.fields["size"]
    assert html.count('<span class="mark round"></span>') >= len(size.choices) + 2
    assert '<span class="box box-text' in html or '<span class="box box-email' in html
    assert "How to fill in this form" in html


def test_page_conditions_read_as_plain_words():
    form = FORMS["special-event-permit"]
    page = next(p for p in form.pages if p.when is not None)
    sentence = describe_when(form, page.when, "en")
    assert sentence.startswith("Answer this page only if you answered “Yes” to “")
    assert describe_when(form, page.when, "es").startswith("Responda esta página solo si")


@pytest.mark.parametrize("lang", ["es", "zh"])
def test_spanish_and_chinese_blank_forms(lang):
    form = next(f for f in FORMS.values() if "es" in f.languages)
    pdf = render_blank(form, lang=lang, city_name="City of Example")
    text = squeezed("".join(pages_text(pdf)))
    expected = {"es": "Cómo llenar este formulario", "zh": "如何填写本表格"}[lang]
    assert squeezed(expected) in text
    assert squeezed(form.title.get(lang)) in text
    write_pngs(pdf, f"blank-{form.id}-{lang}")


def test_pages_as_png_for_review(blanks):
    written = []
    for name, (pdf, _) in blanks.items():
        written += write_pngs(pdf, f"blank-{name}")
    assert len(written) >= len(blanks)
