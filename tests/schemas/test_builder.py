"""The builder's operations on form files (schemas.builder, schemas.yamltext): the text of
every example survives a round trip byte for byte, a change rewrites only what it changes,
the pothole example can be built from nothing, and any sequence of changes leaves a form that
checks (hypothesis)."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from builder_forms import differences
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import schemas
from formbuilder.services.studio import blank_source
from schemas import builder
from schemas.yamltext import Document

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def errors(text: str) -> list[str]:
    return [p.message for p in schemas.check_text(text, "form.yaml") if p.severity == "error"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_round_trips_byte_for_byte(path):
    text = path.read_text("utf-8")
    assert Document(text).text() == text
    form = builder.checked(text)[0]
    assert form is not None
    first = next(iter(form.fields.values()))
    same = builder.apply(text, "edit_question", path=first.path, title=first.title.default)
    assert same.text == text
    assert builder.texts(Document(same.text).data, same.form) == \
        builder.texts(Document(text).data, form)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_change_rewrites_only_its_own_line(path):
    text = path.read_text("utf-8")
    form = builder.checked(text)[0]
    first = next(iter(form.fields.values()))
    changed = builder.apply(text, "edit_question", path=first.path, title="Reworded").text
    diff = [line for line in difflib.unified_diff(text.splitlines(), changed.splitlines(),
                                                  lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert len(diff) == 2, diff
    assert diff[1][1:].strip() == "title: Reworded"


def test_comments_unknown_keys_and_order_survive_a_change():
    text = ("# Our form\nid: odd-one\ntitle: Odd  # as the council named it\n"
            "schema:\n  type: object\n  properties:\n    b: {type: string, title: B, "
            "x-office-code: 7}\n"
            "    # a comment about a\n    a: {type: string, title: A}\n")
    result = builder.apply(text, "add_question", kind="yes_no", title="Is it urgent?")
    assert result.text.startswith(text.rstrip("\n"))
    assert "    is_it_urgent:\n      type: boolean\n      title: Is it urgent?\n" in result.text


def build_pothole() -> str:
    text = blank_source("pothole-report", "Report a pothole", "Public Works")
    steps = [
        ("edit_question", {"path": "email", "title": "Your email address"}),
        ("add_question", {"kind": "short_text", "title": "Where is the pothole?",
                          "name": "location", "required": True}),
        ("add_question", {"kind": "one_choice", "title": "Which part of the street?",
                          "name": "position", "choices": "In a traffic lane [traffic_lane]\n"
                          "In a bike lane [bike_lane]\nIn a crosswalk [crosswalk]\n"
                          "Next to the curb [curb]\nIn an alley [alley]"}),
        ("add_question", {"kind": "one_choice", "title": "How big is it?", "name": "size",
                          "required": True, "choices": "Smaller than a plate [small]\n"
                          "About a tire [medium]\nWider than a tire [large]"}),
        ("add_question", {"kind": "yes_no", "title": "Is a lane blocked?",
                          "name": "lanes_blocked", "required": True}),
        ("set_condition", {"path": "lanes_blocked", "question": "size", "comparison": "is",
                           "values": ["medium", "large"]}),
        ("add_question", {"kind": "file", "title": "Photo", "name": "photo",
                          "file_types": ["photo"], "max_size": "10 MB"}),
        ("add_question", {"kind": "short_text", "title": "Your name", "name": "name"}),
        ("add_question", {"kind": "phone", "title": "Your phone", "name": "phone"}),
        ("add_page", {"title": "Where is it?", "fields": ["location", "position"]}),
        ("add_page", {"title": "About the pothole",
                      "fields": ["size", "lanes_blocked", "photo"]}),
        ("move_page", {"page": 2, "direction": "up"}),
        ("move_question", {"path": "email", "direction": "down"}),
        ("add_step", {"name": "Dispatch review", "assign": "public-works-dispatch",
                      "due": "8 hours"}),
        ("add_step", {"name": "Site check", "assign": "street-inspector", "due": "2 days",
                      "when": 'photo is not set and size is not "small"'}),
        ("add_step", {"name": "Supervisor approval", "assign": "public-works-supervisor",
                      "due": "1 day", "escalate_to": "public-works-director@example.gov",
                      "rows": [{"question": "size", "comparison": "is", "value": "large"},
                               {"join": "or", "question": "lanes_blocked",
                                "comparison": "yes"}]}),
        ("set_notify", {"event": "on_submit", "recipients": "applicant"}),
        ("set_notify", {"event": "on_decision", "recipients": "applicant"}),
        ("set_notify", {"event": "on_return", "recipients": "applicant"}),
        ("set_notify", {"event": "on_overdue",
                        "recipients": "assignees public-works-supervisor"}),
    ]
    for operation, arguments in steps:
        text = builder.apply(text, operation, **arguments).text
    return text


def test_the_pothole_example_built_from_nothing_behaves_like_the_example():
    made = builder.checked(build_pothole(), "pothole-report.yaml")[0]
    wanted = schemas.load(EXAMPLES[[p.stem for p in EXAMPLES].index("pothole-report")])
    assert differences(made, wanted) == []


def test_refused_changes_say_why():
    text = blank_source("a-form", "A form", None)
    with pytest.raises(builder.BuilderError, match="no question `nope`"):
        builder.apply(text, "edit_question", path="nope", title="x")
    with pytest.raises(builder.BuilderError, match=r"not a field|no questions|problem"):
        builder.apply(text, "remove_question", path="email")
    with pytest.raises(builder.BuilderError, match="one page"):
        builder.apply(text, "set_page_when", page=0, when="email is set")
    with pytest.raises(builder.BuilderError, match="listed twice"):
        builder.apply(text, "add_question", kind="one_choice", title="Q", choices="A\nA")


# --- any order ---------------------------------------------------------------------------

TITLES = st.sampled_from(["Your name", "How big is it?", "When?", "Ward", "Photo", "Äpfel",
                          "<b>Bold</b>", "Vehicle", "Amount", "1st choice"])


@st.composite
def operations(draw):
    name = draw(st.sampled_from(["add", "add", "add", "move", "remove", "condition", "page",
                                 "step", "edit", "choice", "limits", "clear"]))
    question = draw(st.sampled_from(["email", "your_name", "how_big_is_it", "when", "ward",
                                     "photo", "amount", "vehicle", "ward_2"]))
    if name == "add":
        kind = draw(st.sampled_from(sorted(builder.KINDS)))
        return "add_question", {"kind": kind, "title": draw(TITLES),
                                "required": draw(st.booleans()), "choices": "Yes\nNo\nMaybe",
                                "statement": "I agree", "item_label": "Vehicle"}
    if name == "move":
        return "move_question", {"path": question,
                                 "direction": draw(st.sampled_from(["up", "down"]))}
    if name == "remove":
        return "remove_question", {"path": question}
    if name == "condition":
        return "set_condition", {"path": question, "question": draw(st.sampled_from(
            ["ward", "how_big_is_it", "amount", "email"])), "comparison": draw(
            st.sampled_from(sorted(builder.COMPARISONS))), "values": ["Yes"]}
    if name == "clear":
        return "clear_condition", {"path": question}
    if name == "page":
        return "add_page", {"title": draw(TITLES), "fields": [question]}
    if name == "step":
        return "add_step", {"name": draw(TITLES), "assign": "clerks",
                            "when": draw(st.sampled_from(["", "ward is set", "amount > 5"]))}
    if name == "choice":
        return "add_choice", {"path": question, "label": draw(TITLES)}
    if name == "limits":
        return "set_limits", {"path": question, "max_length": "50", "maximum": "10",
                              "max_items": "3"}
    return "edit_question", {"path": question, "title": draw(TITLES),
                             "required": draw(st.booleans())}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations(), min_size=1, max_size=8))
def test_any_sequence_of_changes_leaves_a_form_that_checks(sequence):
    text = blank_source("any-order", "Any order", "Parks")
    for operation, arguments in sequence:
        try:
            result = builder.apply(text, operation, **arguments)
        except builder.BuilderError:
            continue
        assert errors(result.text) == []
        assert Document(result.text).text() == result.text
        text = result.text
