"""The HTML of a form page: accessible markup for every construct, on every example form."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import checked_files
import pytest
from checked_files import accepted
from example_forms import every_example
from html_checks import Page, sample_answers
from markupsafe import Markup

from renderers.html import (
    environment,
    field_id,
    render_error_summary,
    render_questions,
    static_folder,
    template_folder,
)
from schemas import load

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
FORMS = every_example()
SINK = load(Path(__file__).parent / "kitchen-sink.yaml")
CORPUS = accepted(checked_files.CORPUS)
PAGES = [(name, index) for name, form in FORMS.items() for index in range(len(form.pages))]


@dataclass
class FieldError:
    path: str
    message: str
    code: str = "test"


def render(form, index, answers=None, errors=(), lang="en", **kw) -> Page:
    html = render_questions(form, form.pages[index].fields, answers or {}, list(errors), lang,
                            **kw)
    assert isinstance(html, Markup)
    page = Page(html)
    page.check()
    return page


def errors_for(form, index) -> list[FieldError]:
    """An error on every question of a page, with item indexes where the question repeats."""
    names = set(form.pages[index].fields)
    errors = []
    for field in form.fields.values():
        if field.keys[0] not in names:
            continue
        path = field.path
        if field.in_repeat:
            repeat = next(f for f in form.fields.values()
                          if f.kind == "repeat" and path.startswith(f.path + "."))
            path = f"{repeat.path}.0{path[len(repeat.path):]}"
        errors.append(FieldError(path, f"Problem with {field.title.default}"))
    return errors


@pytest.mark.parametrize(("name", "index"), PAGES)
def test_every_example_page_renders_accessibly(name, index):
    form = FORMS[name]
    for lang in form.languages:
        render(form, index, lang=lang)
        render(form, index, sample_answers(form, list(form.pages[index].fields)), lang=lang)
        render(form, index, sample_answers(form, list(form.pages[index].fields), 1), lang=lang)


@pytest.mark.parametrize(("name", "index"), PAGES)
def test_errors_show_next_to_their_questions_and_in_the_summary(name, index):
    form = FORMS[name]
    errors = errors_for(form, index)
    fields = form.pages[index].fields
    answers = sample_answers(form, list(fields))
    html = render_error_summary(form, errors, "en", fields=fields) + render_questions(
        form, fields, answers, errors, "en")
    page = Page(html)
    page.check()
    links = [a.attrs["href"][1:] for a in page.find("a") if a.attrs["href"].startswith("#f-")]
    assert links, "the summary links to the questions"
    shown = page.find("p", class_="error-message")
    assert len(shown) == len(links)
    for message in shown:
        assert message.attrs["id"].endswith("--error")
        hidden = message.children[0]
        assert hidden.tag == "span" and hidden.attrs["class"] == "visually-hidden"
        assert hidden.all_text() == "Error:"
    for group in page.find("div"):
        if "form-group--error" in group.attrs.get("class", ""):
            assert any(e.tag == "p" and "error-message" in e.attrs.get("class", "")
                       for e in _descendants(group))


def _descendants(element):
    for child in element.children:
        yield child
        yield from _descendants(child)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_peer_corpus_forms_render_accessibly(path):
    form = load(path)
    for index, page in enumerate(form.pages):
        render(form, index)
        render(form, index, sample_answers(form, list(page.fields)))
        render(form, index, {}, errors_for(form, index))


# --- Every construct --------------------------------------------------------------------------


def sink(index, answers=None, errors=(), **kw) -> Page:
    return render(SINK, index, answers, errors, **kw)


def one(page, tag, **attrs):
    found = page.find(tag, **attrs)
    assert len(found) == 1, (tag, attrs, found)
    return found[0]


def label_text(page, control_id) -> str:
    return " ".join(one(page, "label", for_=control_id).all_text().split())


def test_text_inputs_take_the_type_of_their_format():
    page = sink(0)
    types = {e.attrs["name"]: e.attrs["type"] for e in page.find("input")}
    assert types["name"] == "text"
    assert types["email"] == "email"
    assert types["phone"] == "tel"
    assert types["site"] == "url"
    assert types["day"] == "date"
    assert types["at"] == "time"
    assert types["moment"] == "datetime-local"
    assert one(page, "input", name="email").attrs["spellcheck"] == "false"
    name = one(page, "input", name="name")
    assert name.attrs["autocomplete"] == "name"
    assert "input--long" in name.attrs["class"]
    assert "maxlength" not in name.attrs


def test_long_text_and_the_textarea_widget_give_a_text_area():
    page = sink(0, {"bio": "Line one\nLine <two>"})
    area = one(page, "textarea", name="bio")
    assert area.all_text() == "\nLine one\nLine <two>"
    assert page.posted().getlist("bio") == ["Line one\nLine <two>"]
    assert not page.find("textarea", name="notes")


def test_numbers_use_inputmode_not_type_number():
    page = sink(1, {"amount": 12.5})
    amount = one(page, "input", name="amount")
    assert amount.attrs["type"] == "text"
    assert amount.attrs["inputmode"] == "decimal"
    assert amount.attrs["value"] == "12.50"
    count = one(page, "input", name="count")
    assert count.attrs["inputmode"] == "numeric"
    assert "input--short" in count.attrs["class"]


def test_money_gets_a_dollar_prefix_and_units_a_suffix_both_read_out():
    page = sink(1)
    prefix = one(page, "div", class_="input-prefix")
    assert prefix.all_text() == "$"
    amount = one(page, "input", name="amount")
    assert prefix.attrs["id"] in amount.attrs["aria-describedby"].split()
    suffix = one(page, "div", class_="input-suffix")
    assert suffix.all_text() == "items"
    assert suffix.attrs["id"] in one(page, "input", name="count").attrs["aria-describedby"]


def test_defaults_are_prefilled_but_answers_win():
    assert one(sink(1), "input", name="count").attrs["value"] == "2"
    assert one(sink(1, {"count": 7}), "input", name="count").attrs["value"] == "7"


def test_up_to_six_choices_are_radios_in_a_fieldset():
    page = sink(1, {"size": "medium"})
    radios = page.find("input", name="size")
    assert [r.attrs["type"] for r in radios] == ["radio"] * 3
    assert [r.attrs["id"] for r in radios] == ["f-size", "f-size--2", "f-size--3"]
    assert [r.attrs["value"] for r in radios] == ["small", "medium", "large"]
    assert ["checked" in r.attrs for r in radios] == [False, True, False]
    fieldset = next(a for a in radios[0].ancestors() if a.tag == "fieldset")
    legend = next(c for c in fieldset.children if c.tag == "legend")
    assert legend.all_text() == "Size"


def test_more_than_six_choices_are_a_select():
    page = sink(1, {"colour": "blue"})
    select = one(page, "select", name="colour")
    options = [e for e in page.find("option") if select in e.ancestors()]
    assert options[0].attrs["value"] == ""
    assert [o.attrs["value"] for o in options if "selected" in o.attrs] == ["blue"]
    assert label_text(page, select.attrs["id"]).startswith("Colour")


def test_oneof_const_titles_are_the_labels():
    page = sink(1)
    assert label_text(page, "f-shade") == "Light"
    assert label_text(page, "f-shade--2") == "Dark"


def test_booleans_are_yes_no_radios_or_one_checkbox():
    page = sink(1, {"agree_terms": False, "newsletter": True})
    radios = page.find("input", name="agree_terms")
    assert [(r.attrs["value"], "checked" in r.attrs) for r in radios] == [
        ("yes", False), ("no", True)]
    box = one(page, "input", name="newsletter")
    assert box.attrs["type"] == "checkbox" and "checked" in box.attrs
    assert box.attrs["data-unchecked"] == "no"
    assert label_text(page, box.attrs["id"]) == "Send me news"


def test_arrays_of_choices_are_checkboxes():
    page = sink(1, {"pets": ["cat", "fish"]})
    boxes = page.find("input", name="pets")
    assert [(b.attrs["type"], "checked" in b.attrs) for b in boxes] == [
        ("checkbox", True), ("checkbox", False), ("checkbox", True)]


def test_groups_are_fieldsets_with_a_legend_and_dotted_names():
    page = sink(2, {"home": {"street": "1 Elm"}})
    fieldset = one(page, "fieldset", id="f-home")
    assert next(c for c in fieldset.children if c.tag == "legend").all_text() == "Home address"
    street = one(page, "input", name="home.street")
    assert street.attrs["id"] == "f-home-street"
    assert street.attrs["value"] == "1 Elm"


def test_readonly_and_const_are_shown_filled_and_fixed_but_posted():
    page = sink(2)
    city = one(page, "input", name="home.city")
    assert city.attrs["value"] == "Springfield"
    assert "readonly" in city.attrs and "disabled" not in city.attrs
    assert label_text(page, city.attrs["id"]) == "City"
    fee = one(sink(3), "input", name="fee")
    assert fee.attrs["value"] == "35" and "readonly" in fee.attrs


def test_hidden_widget_is_a_hidden_input():
    token = one(sink(3), "input", name="token")
    assert token.attrs["type"] == "hidden" and token.attrs["value"] == "abc"


def test_repeating_groups_are_numbered_fieldsets_with_add_and_remove():
    page = sink(2, {"vehicles": [{"plate": "AB1"}]})
    item = one(page, "fieldset", id="f-vehicles-0")
    assert next(c for c in item.children if c.tag == "legend").all_text() == "Vehicle 1"
    assert one(page, "input", name="vehicles.0.plate").attrs["value"] == "AB1"
    assert not page.find("button", name="_remove"), "no Remove at minItems"
    add = one(page, "button", name="_add", value="vehicles")
    assert add.attrs["type"] == "submit"
    assert add.all_text() == "Add another vehicle"
    assert page.find("button", class_="default-action"), "Enter still means Continue"


def test_repeating_groups_at_most_items_offer_no_add():
    page = sink(2, {"vehicles": [{"plate": "A"}, {"plate": "B"}]})
    assert not page.find("button", name="_add", value="vehicles")
    removes = page.find("button", name="_remove")
    assert [b.attrs["value"] for b in removes if b.attrs["value"].startswith("vehicles")] == [
        "vehicles.0", "vehicles.1"]
    assert removes[0].all_text() == "Remove Vehicle 1"
    assert removes[0].children[-1].attrs["class"] == "visually-hidden"


def test_minimum_items_are_drawn_blank():
    page = sink(2)
    assert page.find("input", name="vehicles.0.plate")
    assert page.find("input", name="vehicles.0", type="hidden")


def test_lists_of_primitives_get_one_input_each_with_add_and_remove():
    page = sink(2, {"tags": ["a", "b"]})
    assert [e.attrs["value"] for e in page.find("input") if e.attrs.get("name", "").startswith(
        "tags.")] == ["a", "b"]
    assert label_text(page, "f-tags-0") == "Tag 1"
    assert [b.attrs["value"] for b in page.find("button", name="_remove")] == ["tags.0", "tags.1"]
    assert one(page, "button", name="_add", value="tags").all_text() == "Add another tag"
    full = sink(2, {"tags": ["a", "b", "c"]})
    assert not full.find("button", name="_add", value="tags")


def test_file_uploads_accept_their_types_and_say_the_largest_size():
    page = sink(3)
    photo = one(page, "input", name="photo")
    assert photo.attrs["type"] == "file"
    assert photo.attrs["accept"] == "image/png,image/jpeg"
    hint = one(page, "div", id=photo.attrs["aria-describedby"].split()[0]).all_text()
    assert "5 MB" in hint and "PNG" in hint
    documents = one(page, "input", name="documents")
    assert "multiple" in documents.attrs
    assert "10 MB" in one(page, "div", id="f-documents--hint").all_text()


def test_uploaded_files_are_shown_with_name_and_thumbnail():
    files = {"att_1": {"name": "pothole <1>.jpg", "size": 2_400_000, "media_type": "image/jpeg",
                       "url": "/files/att_1", "thumbnail_url": "/files/att_1/thumb"},
             "att_2": {"name": "plan.pdf", "size": 1000, "media_type": "application/pdf",
                       "url": "javascript:alert(1)", "thumbnail_url": None}}
    page = sink(3, {"photo": "att_1", "documents": ["att_2", "att_1"]}, attachments=files.get)
    assert "pothole <1>.jpg" in page.find("a", href="/files/att_1")[0].all_text()
    thumb = page.find("img", class_="thumbnail")[0]
    assert thumb.attrs["src"] == "/files/att_1/thumb" and thumb.attrs["alt"] == ""
    assert "2.3 MB" in Page(render_questions(SINK, ["photo"], {"photo": "att_1"}, [], "en",
                                             attachments=files.get)).root.all_text()
    assert not page.find("a", href="javascript:alert(1)")
    assert "disabled" in one(page, "input", name="documents").attrs, "at maxItems"
    assert [b.attrs["value"] for b in page.find("button", name="_remove")] == [
        "photo", "documents.0", "documents.1"]


def test_optional_questions_say_so_and_required_ones_have_no_star():
    page = sink(0)
    assert label_text(page, "f-notes") == "Notes (optional)"
    assert label_text(page, "f-name") == "Your name"
    assert "*" not in page.root.all_text()
    titled = FORMS["pothole-report"]
    photo = Page(render_questions(titled, ["photo"], {}, [], "en"))
    assert label_text(photo, "f-photo") == "Photo (optional)", "not marked twice"


def test_hints_and_errors_are_joined_in_aria_describedby():
    page = sink(0, errors=[FieldError("name", "Enter your name")])
    name = one(page, "input", name="name")
    assert name.attrs["aria-describedby"] == "f-name--hint f-name--error"
    assert one(page, "div", id="f-name--hint").all_text() == "As on your ID"
    assert "input--error" in name.attrs["class"]


def test_radio_group_errors_describe_the_fieldset():
    page = sink(1, errors=[FieldError("size", "Choose a size")])
    fieldset = next(a for a in one(page, "input", id="f-size").ancestors()
                    if a.tag == "fieldset")
    assert fieldset.attrs["aria-describedby"] == "f-size--error"


def test_errors_inside_items_and_on_checkbox_items_find_their_question():
    errors = [FieldError("vehicles.0.plate", "Enter the plate"),
              FieldError("pets.1", "Choose a pet from the list")]
    page = Page(render_error_summary(SINK, errors, "en")
                + render_questions(SINK, ["pets", "vehicles"], {}, errors, "en"))
    page.check()
    assert [a.attrs["href"] for a in page.find("a")] == ["#f-pets", "#f-vehicles-0-plate"] or [
        a.attrs["href"] for a in page.find("a")] == ["#f-vehicles-0-plate", "#f-pets"]


def test_conditional_questions_follow_what_they_depend_on():
    page = sink(0)
    names = [e.attrs["name"] for e in page.labelled_controls()]
    assert names.index("email_ok") == names.index("email") + 1
    box = one(page, "div", id="f-email_ok--conditional")
    data = json.loads(box.attrs["data-condition"])
    assert data == {"any": [[{"tests": [{"name": "email", "op": "set", "values": [],
                                         "required": True}], "negate": False}]]}
    hint = one(page, "p", id="f-email_ok--condition").all_text()
    assert hint == "Answer only if you answered “Email”."


def test_conditional_containers_carry_json_for_the_script():
    page = sink(1)
    box = one(page, "div", id="f-how_large--conditional")
    data = json.loads(box.attrs["data-condition"])
    assert data["any"][0][0]["tests"] == [
        {"name": "size", "op": "in", "values": ["large"], "required": True}]
    radios = page.find("input", name="size")
    assert page.elements.index(box) > page.elements.index(radios[-1])
    described = one(page, "input", name="how_large").attrs["aria-describedby"]
    assert "f-how_large--condition" in described.split()


def test_conditional_questions_in_items_name_their_own_item():
    page = sink(2, {"vehicles": [{"plate": "A"}, {"plate": "B", "electric": True}]})
    box = one(page, "div", id="f-vehicles-1-charger--conditional")
    test = json.loads(box.attrs["data-condition"])["any"][0][0]["tests"][0]
    assert test == {"name": "vehicles.1.electric", "op": "in", "values": ["yes"],
                    "required": True}


def test_field_ids_are_stable_valid_and_distinct():
    assert field_id("vehicles.0.plate") == "f-vehicles-0-plate"
    assert field_id("applicant.address.zip") == "f-applicant-address-zip"
    odd = ["a-b", "a.b", "a_b", "a b", "a.-b", "a-.b", "ü", "", "<x>", "a--b", "a..b"]
    ids = [field_id(p) for p in odd]
    assert len(set(ids)) == len(ids)
    assert all(i[0].isalpha() and all(c.isalnum() or c in "-_" for c in i) for i in ids)
    assert field_id("a-b") == field_id("a-b")


def test_the_environment_escapes_everything_and_ships_its_assets():
    env = environment()
    assert env is environment()
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert Path(template_folder(), "formbuilder", "_questions.html").is_file()
    assert {p.name for p in Path(static_folder()).iterdir()} >= {"formbuilder.css",
                                                                 "conditional.js"}


def test_the_script_and_styles_need_no_inline_code_or_libraries():
    script = Path(static_folder(), "conditional.js").read_text("utf-8")
    for forbidden in ("eval(", "new Function", "innerHTML", "document.write", "import ",
                      "require("):
        assert forbidden not in script
    css = Path(static_folder(), "formbuilder.css").read_text("utf-8")
    assert ":focus" in css and "@media" in css and "visually-hidden" in css
