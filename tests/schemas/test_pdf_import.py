"""The PDF importer (schemas.pdf_import) and `formbuilder import`: a fillable PDF's fields of
every kind become questions, a flat PDF's lines an outline; an encrypted, damaged, huge, very
long or scripted PDF is refused in words, before any of it is run or read whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pdf_forms import (
    FIELDS,
    encrypted_pdf,
    fillable_pdf,
    flat_pdf,
    long_pdf,
    scripted_pdf,
)

import schemas
from formbuilder.cli import main
from schemas import builder, pdf_import

KINDS = {"text": ("text", None), "multiline": ("textarea", None), "date": ("text", "date"),
         "number": ("integer", None), "money": ("number", None), "checkbox": ("boolean", None),
         "radio": ("choice", None), "choice": ("choice", None), "listbox": ("choice", None)}


def test_every_field_of_a_fillable_pdf_becomes_a_question_of_its_kind():
    imported = pdf_import.read(fillable_pdf(), file_name="sidewalk.pdf", form_id="sidewalk")
    form = builder.checked(imported.text, "sidewalk.yaml")[0]
    assert form is not None
    assert form.title.default == "Sidewalk repair request"
    assert imported.questions == len(FIELDS) == len(form.fields)
    by_title = {found.title.default: found for found in form.fields.values()}
    for _, (tooltip, label, kind) in FIELDS.items():
        found = by_title[tooltip or label]
        wanted = ("text", "email") if label == "Email address" else KINDS[kind]
        assert (found.kind, found.format) == wanted, (label, found.kind, found.format)
    assert [c.value for c in by_title["What is the sidewalk made of?"].choices] == [
        "concrete", "brick", "asphalt"]
    assert by_title["What is your full name?"].schema["maxLength"] == 120
    assert by_title["Describe the damage"].ui["widget"] == "textarea"
    assert by_title["Repair estimate, if you have one"].ui["widget"] == "money"
    assert [len(page.fields) for page in form.pages] == [10, 8]
    assert form.applicant_email == "email"
    assert imported.notes[0] == "18 questions imported; 5 took their text from nearby words."


def test_the_words_near_a_field_name_it_when_it_has_no_tooltip():
    imported = pdf_import.read(fillable_pdf())
    assert "title: Street address" in imported.text
    assert "other_details:" in imported.text  # a generic field name gives way to its words
    assert any("(field Text2) took its text from nearby words" in n for n in imported.notes)


def test_a_flat_pdf_gives_its_lines_as_an_outline():
    imported = pdf_import.read(flat_pdf(), form_id="trees")
    assert not imported.fillable and imported.questions == 0
    assert imported.outline == ["Your name", "Address where the tree should go",
                                "Do you own the property? Yes No"]
    assert [p for p in schemas.check_text(imported.text, "trees.yaml")
            if p.severity == "error"] == []


@pytest.mark.parametrize("data, code", [
    (lambda: encrypted_pdf(), "encrypted"),
    (lambda: b"%PDF-1.7\n1 0 obj <<>> garbage", "damaged"),
    (lambda: b"%PDF-1.7\n" + bytes(100_000_000), "too_large"),
    (lambda: long_pdf(500), "too_many_pages"),
    (lambda: scripted_pdf(), "javascript"),
    (lambda: b"PK\x03\x04 a zip file", "not_pdf"),
], ids=["encrypted", "damaged", "100MB", "500 pages", "javascript", "not a pdf"])
def test_bad_pdfs_are_refused_in_words(data, code):
    with pytest.raises(pdf_import.ImportRefused) as refused:
        pdf_import.read(data())
    assert refused.value.code == code
    assert len(str(refused.value)) > 40 and "Traceback" not in str(refused.value)


def test_format_actions_are_read_as_data_and_other_scripts_refused():
    assert pdf_import._STANDARD_SCRIPT.match('AFDate_FormatEx("mm/dd/yyyy");')
    assert pdf_import._STANDARD_SCRIPT.match('AFNumber_Format(2, 0, 0, 0, "$", true);')
    assert not pdf_import._STANDARD_SCRIPT.match('AFDate_FormatEx("x"); app.launchURL("x")')
    assert not pdf_import._STANDARD_SCRIPT.match("AFNumber_Format(eval('1'))")


def test_the_command_writes_a_draft_that_check_accepts(tmp_path: Path):
    pdf, draft = tmp_path / "sidewalk.pdf", tmp_path / "draft.yaml"
    pdf.write_bytes(fillable_pdf())
    result = CliRunner().invoke(main, ["import", str(pdf), "-o", str(draft)])
    assert result.exit_code == 0, result.output
    assert "18 questions imported; 5 took their text from nearby words." in result.output
    assert "id: sidewalk-repair-request" in draft.read_text()
    checked = CliRunner().invoke(main, ["check", str(draft)])
    assert checked.exit_code == 0, checked.output


def test_the_command_refuses_a_bad_pdf_with_its_reason(tmp_path: Path):
    pdf = tmp_path / "locked.pdf"
    pdf.write_bytes(encrypted_pdf())
    result = CliRunner().invoke(main, ["import", str(pdf), "-o", str(tmp_path / "d.yaml")])
    assert result.exit_code == 1 and "encrypted" in result.output
    assert not (tmp_path / "d.yaml").exists()
