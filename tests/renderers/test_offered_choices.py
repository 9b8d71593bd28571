"""A choice question whose choices depend on an earlier answer offers the choices that answer
allows: picked by the server when the answer was given on another page, marked for the page's
script (and said in words, for a page without it) when it is asked on the same page."""

from __future__ import annotations

import json
from typing import Any

from html_checks import Page

from renderers.html import field_id, question_views, render_questions
from renderers.pdf import blank_html
from schemas import load_definition


def fed(animal: str, food: list[str]) -> dict[str, Any]:
    return {"if": {"properties": {"animal": {"const": animal}}, "required": ["animal"]},
            "then": {"properties": {"food": {"type": "string", "title": "Food", "enum": food}},
                     "required": ["food"]}}


def pets(*, pages: bool = False, nested: bool = False, extra: Any = ()) -> Any:
    level = {"type": "object", "required": ["animal"],
             "properties": {"animal": {"type": "string", "title": "Animal",
                                       "enum": ["Cat", "Fish"]}},
             "allOf": [fed("Cat", ["meat", "grass"]), fed("Fish", ["insect", "worms"]),
                       *extra]}
    schema = {"type": "object", "properties": {"pet": {**level, "title": "Your pet"}}} \
        if nested else level
    definition: dict[str, Any] = {"id": "pets", "title": "Pets", "schema": schema}
    if pages:
        definition["ui"] = {"pages": [{"title": "Your pet", "fields": ["animal"]},
                                      {"title": "Its food", "fields": ["food"]}]}
    return load_definition(definition)


def food_view(form: Any, names: list[str], answers: dict[str, Any], lang: str = "en") -> Any:
    views = question_views(form, names, answers, [], lang)
    found = [v for v in views if v.path == "food"]
    if not found:
        [group] = [v for v in views if v.path == "pet"]
        found = [c for c in group.children if c.path == "pet.food"]
    return found[0]


def test_on_another_page_the_server_offers_the_choices_of_the_answer_given():
    form = pets(pages=True)
    fish = food_view(form, ["food"], {"animal": "Fish"})
    first = field_id("food")
    assert [(o.value, o.id) for o in fish.options] == [("insect", first),
                                                       ("worms", f"{first}--2")]
    assert all(o.offered is None and o.hint is None for o in fish.options)
    cat = food_view(form, ["food"], {"animal": "Cat"})
    assert [o.value for o in cat.options] == ["meat", "grass"]


def test_an_answer_the_new_choices_leave_out_stays_shown_so_it_is_not_lost_silently():
    form = pets(pages=True)
    view = food_view(form, ["food"], {"animal": "Fish", "food": "meat"})
    assert [(o.value, o.checked) for o in view.options] == [
        ("meat", True), ("insect", False), ("worms", False)]


def test_on_the_same_page_each_choice_says_when_it_applies():
    form = pets()
    view = food_view(form, ["animal", "food"], {})
    assert [o.value for o in view.options] == ["meat", "grass", "insect", "worms"]
    meat = view.options[0]
    assert json.loads(meat.offered) == {
        "any": [[{"tests": [{"name": "animal", "op": "in", "values": ["Cat"],
                             "required": True}], "negate": False}]],
        "none": [[{"tests": [{"name": "animal", "op": "in", "values": ["Fish"],
                              "required": True}], "negate": False}]]}
    assert meat.hint == "Only if you answered “Cat” to “Animal”."
    assert food_view(form, ["animal", "food"], {}, "es").options[2].hint == \
        "Solo si respondió “Fish” a “Animal”."


def test_the_page_marks_each_choice_and_links_its_words_to_it():
    page = Page(render_questions(pets(), ["animal", "food"], {}, [], "en"))
    page.check()
    radios = [e for e in page.elements if e.tag == "input" and e.attrs.get("name") == "food"]
    assert [r.attrs["value"] for r in radios] == ["meat", "grass", "insect", "worms"]
    for radio in radios:
        assert "data-offered" in radio.parent.attrs
        [hint] = [e for e in page.elements if e.attrs.get("id") == radio.attrs["aria-describedby"]]
        animal = "Fish" if radio.attrs["value"] in ("insect", "worms") else "Cat"
        assert hint.words() == f"Only if you answered “{animal}” to “Animal”."
    assert all("data-offered" not in e.attrs for e in page.elements
               if e.tag == "input" and e.attrs.get("name") == "animal")


def test_a_choice_no_answer_can_offer_is_left_out():
    never = {"properties": {"food": {"enum": ["meat", "grass", "insect"]}}}
    view = food_view(pets(extra=[never]), ["animal", "food"], {})
    assert [o.value for o in view.options] == ["meat", "grass", "insect"]


def test_inside_a_group_the_script_reads_the_answer_of_the_same_group():
    form = pets(nested=True)
    view = food_view(form, ["pet"], {})
    condition = json.loads(view.options[0].offered)
    assert condition["any"][0][0]["tests"][0]["name"] == "pet.animal"


def test_a_blank_paper_form_prints_every_choice_with_when_it_applies():
    html = blank_html(pets(pages=True), lang="en", city_name="City")
    assert "worms <span class=\"secondary-text\">(Only if you answered “Fish” to " \
           "“Animal”.)</span>" in html
    assert html.count("Only if you answered “Cat” to “Animal”.") == 2


def test_hostile_choices_and_answers_stay_text_in_the_rule_and_its_words():
    hostile = '"><script>alert(1)</script>\'&'
    form = load_definition({
        "id": "pets", "title": "Pets",
        "schema": {"type": "object",
                   "properties": {"animal": {"type": "string", "title": "<b>Animal</b>",
                                             "enum": [hostile, "Fish"]}},
                   "allOf": [fed(hostile, ["meat", hostile]), fed("Fish", ["worms"])]}})
    html = str(render_questions(form, ["animal", "food"], {}, [], "en"))
    page = Page(html)
    page.check()
    assert not [e for e in page.elements if e.tag in ("script", "b")]
    [item] = [e.parent for e in page.elements if e.tag == "input"
              and e.attrs.get("name") == "food" and e.attrs.get("value") == hostile]
    rule = json.loads(item.attrs["data-offered"])
    assert rule["any"][0][0]["tests"][0]["values"] == [hostile]
    assert f"Only if you answered “{hostile}” to “<b>Animal</b>”." in [
        e.words() for e in page.elements if e.attrs.get("class", "").endswith("choice-condition")]


def test_in_a_repeating_group_each_item_reads_its_own_answer():
    item = {"type": "object", "required": ["animal"],
            "properties": {"animal": {"type": "string", "title": "Animal",
                                      "enum": ["Cat", "Fish"]}},
            "allOf": [fed("Cat", ["meat", "grass"]), fed("Fish", ["insect", "worms"])]}
    form = load_definition({"id": "pets", "title": "Pets", "schema": {
        "type": "object", "properties": {"pets": {"type": "array", "title": "Pets",
                                                  "items": item}}}})
    [group] = question_views(form, ["pets"], {"pets": [{}, {}]}, [], "en")
    for index, entry in enumerate(group.items):
        [food] = [q for q in entry.children if q.path == f"pets.{index}.food"]
        names = {test["name"] for option in food.options
                 for side in json.loads(option.offered).values()
                 for chain in side for clause in chain for test in clause["tests"]}
        assert names == {f"pets.{index}.animal"}
