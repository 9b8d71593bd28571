"""The `when:` condition language: parsing, evaluation, type checks and plain-English text."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.conditions import (
    MAX_DEPTH,
    MAX_LENGTH,
    And,
    Compare,
    Condition,
    ConditionError,
    Contains,
    In,
    IsEmpty,
    IsSet,
    Not,
    Or,
    Truthy,
    describe,
    parse,
    typecheck,
)
from schemas.fieldtypes import FieldType


def holds(text: str, answers: dict) -> bool:
    return parse(text).evaluate(answers)


def error_of(text: str) -> ConditionError:
    with pytest.raises(ConditionError) as caught:
        parse(text)
    return caught.value


# --- Every construct of FORMAT.md --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "answers", "expected"),
    [
        ("amount > 5000", {"amount": 5001}, True),
        ("amount > 5000", {"amount": 5000}, False),
        ('size is "large"', {"size": "large"}, True),
        ('size is "large"', {"size": "small"}, False),
        ('size == "large"', {"size": "large"}, True),
        ('size is not "large"', {"size": "small"}, True),
        ('size is not "large"', {"size": "large"}, False),
        ('size != "large"', {"size": "large"}, False),
        ('permit_type in ["parade", "block party"]', {"permit_type": "block party"}, True),
        ('permit_type in ["parade", "block party"]', {"permit_type": "concert"}, False),
        ('permit_type not in ["parade"]', {"permit_type": "concert"}, True),
        ("photo is set", {"photo": "upload-1"}, True),
        ("photo is not set", {"photo": "upload-1"}, False),
        ("photo is empty", {"photo": ""}, True),
        ("photo is not empty", {"photo": "upload-1"}, True),
        ("lanes_blocked", {"lanes_blocked": True}, True),
        ("lanes_blocked", {"lanes_blocked": False}, False),
        ("attendees >= 500 and not alcohol", {"attendees": 500, "alcohol": False}, True),
        ("attendees >= 500 and not alcohol", {"attendees": 500, "alcohol": True}, False),
        ("attendees >= 500 and not alcohol", {"attendees": 499, "alcohol": False}, False),
        ("event_date is before 2027-01-01", {"event_date": "2026-12-31"}, True),
        ("event_date is before 2027-01-01", {"event_date": "2027-01-01"}, False),
        ("event_date is after 2027-01-01", {"event_date": "2027-01-02"}, True),
        ("amount < 10", {"amount": 9.5}, True),
        ("amount <= 10", {"amount": 10}, True),
        ("amount >= 10.5", {"amount": 10}, False),
        ("amount > -5", {"amount": -4}, True),
        ('size is "large" or lanes_blocked', {"size": "small", "lanes_blocked": True}, True),
        ('size is "large" or lanes_blocked', {"size": "small", "lanes_blocked": False}, False),
    ],
)
def test_format_examples(text, answers, expected):
    assert holds(text, answers) is expected


@pytest.mark.parametrize(
    ("text", "answers", "expected"),
    [
        # `and` binds tighter than `or`.
        ("a or b and c", {"a": True, "b": False, "c": False}, True),
        ("a or b and c", {"a": False, "b": True, "c": False}, False),
        ("(a or b) and c", {"a": True, "b": False, "c": False}, False),
        ("a and b or c", {"a": False, "b": False, "c": True}, True),
        # `not` binds to the test right after it.
        ("not a and b", {"a": False, "b": True}, True),
        ("not (a and b)", {"a": True, "b": False}, True),
        ("not not a", {"a": True}, True),
        ("not a or b", {"a": True, "b": False}, False),
        ("((a))", {"a": True}, True),
        ("a and (b or (c and not d))", {"a": True, "b": False, "c": True, "d": False}, True),
    ],
)
def test_precedence_and_parentheses(text, answers, expected):
    assert holds(text, answers) is expected


def test_the_tree_mirrors_precedence():
    node = parse('a or b and not c is "x"').node
    assert isinstance(node, Or)
    first, second = node.items
    assert isinstance(first, Truthy) and first.field == "a"
    assert isinstance(second, And)
    assert isinstance(second.items[1], Not)
    compare = second.items[1].item
    assert isinstance(compare, Compare)
    assert (compare.field, compare.op, compare.value.value) == ("c", "==", "x")


def test_nodes_are_immutable_and_comparable():
    condition = parse("amount > 5")
    with pytest.raises(dataclasses.FrozenInstanceError):
        condition.node.field = "other"  # type: ignore[misc]
    assert condition == parse("amount > 5")
    assert hash(condition) == hash(parse("amount > 5"))
    assert str(condition) == "amount > 5"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("a", Truthy),
        ("a is 1", Compare),
        ("a is before 2027-01-01", Compare),
        ("a in [1]", In),
        ("a contains 1", Contains),
        ("a is set", IsSet),
        ("a is not empty", IsEmpty),
    ],
)
def test_each_test_has_its_node(text, kind):
    assert type(parse(text).node) is kind


@pytest.mark.parametrize(
    "text",
    ['SIZE_OK IS "large" AND NOT Lanes', 'size_ok Is Not "x" Or lanes', "a IS SET", "a Is Empty",
     "a NOT IN [YES, No]", "d IS BEFORE 2027-01-01", "b is TRUE"],
)
def test_keywords_in_any_case(text):
    assert isinstance(parse(text), Condition)


def test_field_names_keep_their_case():
    assert parse("Amount > 5").fields() == {"Amount"}


def test_fields_lists_dotted_names_once():
    condition = parse('applicant.age >= 65 or (applicant.age < 18 and household.size in [1, 2])')
    assert condition.fields() == frozenset({"applicant.age", "household.size"})


# --- Reading answers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "answers", "expected"),
    [
        ("applicant.age >= 65", {"applicant": {"age": 70}}, True),
        ("applicant.address.zip is \"02139\"", {"applicant": {"address": {"zip": "02139"}}}, True),
        ("applicant.age >= 65", {"applicant": None}, False),
        ("applicant.age >= 65", {"applicant": "not a group"}, False),
        ("applicant.age >= 65", {"applicant.age": 70}, True),
        ("start-date is set", {"start-date": "2026-01-01"}, True),
        ("año > 2000", {"año": 2026}, True),
    ],
)
def test_dotted_names_walk_nested_answers(text, answers, expected):
    assert holds(text, answers) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("household.age > 65", True),
        ("household.age < 10", False),
        ("household.age is not 30", False),
        ("household.name is set", True),
        ('household.name is "Ana"', True),
        ("household.phone is empty", True),
        ("household.phone is not set", False),
    ],
)
def test_repeating_group_holds_when_any_member_does(text, expected):
    answers = {"household": [{"name": "Ana", "age": 30, "phone": "555"},
                             {"name": "Bo", "age": 70, "phone": ""}]}
    assert holds(text, answers) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("household.age is set", False), ("household.age is empty", True),
     ("household.age > 1", False), ("household is empty", True)],
)
def test_empty_repeating_group_reads_as_unanswered(text, expected):
    assert holds(text, {"household": []}) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('size is "large"', False),
        ('size == "large"', False),
        ('size is not "large"', True),
        ('size != "large"', True),
        ("amount > 5", False),
        ("amount <= 5", False),
        ('size in ["large"]', False),
        ('size not in ["large"]', True),
        ('size contains "l"', False),
        ('size not contains "l"', True),
        ("size is set", False),
        ("size is not set", True),
        ("size is empty", True),
        ("size is not empty", False),
        ("size", False),
        ("not size", True),
        ("size is before 2027-01-01", False),
        ("size is not before 2027-01-01", True),
        ("size is yes", False),
        ("size is no", False),
    ],
)
@pytest.mark.parametrize("answers", [{}, {"size": None}], ids=["missing", "none"])
def test_missing_answers(text, expected, answers):
    assert holds(text, answers) is expected


@pytest.mark.parametrize(
    ("text", "answer", "expected"),
    [
        ("n is 5", 5.0, True),
        ("n is 5.0", 5, True),
        ("n > 4.99", 5, True),
        ("n > 5000", "5001", True),
        ("n > 5000", " 5001 ", True),
        ("n is 12.5", "12.5", True),
        ("n > 5000", "5,001", False),
        ("n > 5000", "lots", False),
        ('n is "5000"', 5000, False),
        ('n is "5000"', "5000", True),
        ("n is 1", True, False),
        ("n > 0", True, False),
        ("n > 0", Decimal("1.5"), True),
        ("n > 0", Decimal("NaN"), False),
        ("n > 0", Decimal("sNaN"), False),
        ("n >= 0", float("nan"), False),
        ("n < 0", float("-inf"), True),
        ("n > 0", "9" * 5000, False),
        ("n > 0", [1, 2], False),
        ("n > 0", {"a": 1}, False),
    ],
)
def test_numbers(text, answer, expected):
    assert holds(text, {"n": answer}) is expected


@pytest.mark.parametrize(
    ("text", "answer", "expected"),
    [
        ('t is "Large"', "large", False),
        ('t is "large"', "large ", False),
        ('t is "large"', 5, False),
        ('t contains "WATER"', "Burst water main", True),
        ('t contains "gas"', "Burst water main", False),
        ('t not contains "gas"', "Burst water main", True),
        ('t > "a"', "b", False),
    ],
)
def test_text(text, answer, expected):
    assert holds(text, {"t": answer}) is expected


@pytest.mark.parametrize(
    ("text", "answer", "expected"),
    [
        ("b", True, True),
        ("b", "yes", True),
        ("b", "TRUE", True),
        ("b", "no", False),
        ("b", 1, False),
        ("b", "on", False),
        ("b is yes", True, True),
        ("b is true", True, True),
        ("b is no", False, True),
        ("b is false", "No", True),
        ("b is not yes", False, True),
        ("b is yes", "yes please", False),
    ],
)
def test_booleans(text, answer, expected):
    assert holds(text, {"b": answer}) is expected


@pytest.mark.parametrize(
    ("text", "answer", "expected"),
    [
        ("d is 2027-01-01", "2027-01-01", True),
        ("d is 2027-01-01", "2027-01-01T23:59:59-05:00", True),
        ("d is 2027-01-01", "2027-01-01 08:00", True),
        ("d is 2027-01-01", date(2027, 1, 1), True),
        ("d is 2027-01-01", datetime(2027, 1, 1, 12, tzinfo=UTC), True),
        ("d > 2026-12-31", "2027-01-01", True),
        ("d >= 2027-01-01", "2027-01-01", True),
        ("d is before 2027-01-01", "2026-12-31T23:00:00Z", True),
        ("d is after 2027-01-01", "2027-01-01T00:00:01", False),
        ("d is not after 2027-01-01", "2027-01-01", True),
        ("d is before 2027-01-01", "2027-02-30", False),
        ("d is before 2027-01-01", "next week", False),
        ("d is before 2027-01-01", "2026-12-31x", False),
        ("d is before 2027-01-01", 20261231, False),
        ('d is "2027-01-01"', "2027-01-01", True),
    ],
)
def test_dates(text, answer, expected):
    assert holds(text, {"d": answer}) is expected


@pytest.mark.parametrize(
    ("text", "answer", "expected"),
    [
        ("t is before 12:00", "11:59", True),
        ("t is before 12:00", "12:00:00", False),
        ("t >= 9:30", "09:30", True),
        ("t is 17:30", "17:30:00.000", True),
        ("t is after 17:00", datetime(2026, 1, 1, 18, 0), True),
        ("t is before 12:00", "25:00", False),
    ],
)
def test_times(text, answer, expected):
    assert holds(text, {"t": answer}) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('languages is "es"', True),
        ('languages == "fr"', False),
        ('languages is not "fr"', True),
        ('languages contains "en"', True),
        ('languages not contains "en"', False),
        ('languages in ["fr", "es"]', True),
        ('languages in ["fr", "de"]', False),
        ('languages not in ["fr", "de"]', True),
        ("languages > 1", False),
        ("languages is set", True),
        ("languages is empty", False),
    ],
)
def test_checkbox_lists(text, expected):
    assert holds(text, {"languages": ["en", "es"]}) is expected


@pytest.mark.parametrize(
    ("answer", "is_set", "is_empty"),
    [
        (None, False, True),
        ("", False, True),
        ("   ", False, True),
        ([], True, True),
        ({}, True, True),
        (0, True, False),
        (False, True, False),
        ("x", True, False),
        (["x"], True, False),
        ({"a": None}, True, False),
    ],
)
def test_set_and_empty(answer, is_set, is_empty):
    assert holds("a is set", {"a": answer}) is is_set
    assert holds("a is not set", {"a": answer}) is not is_set
    assert holds("a is empty", {"a": answer}) is is_empty
    assert holds("a is not empty", {"a": answer}) is not is_empty


@pytest.mark.parametrize(
    "answers",
    [None, [], "text", 5, {"a": object()}, {"a": [[["deep"]]]}, {"a": {1: 2}},
     {"a": [{"b": [{"c": None}]}]}, {"a": b"bytes"}, {"a": float("inf")}],
)
def test_odd_answers_never_raise(answers):
    for text in ('a > 5', 'a is "x"', "a.b.c is set", "a is empty", 'a in [1, "x", yes]',
                 'a contains "x"', "a is before 2027-01-01", "a", "a is 12:00"):
        assert parse(text).evaluate(answers) in (True, False)


# --- Literals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("t is 'single'", "single"),
        ('t is "say \\"hi\\""', 'say "hi"'),
        ("t is 'it\\'s'", "it's"),
        ('t is "back\\\\slash"', "back\\slash"),
        ('t is "C:\\temp"', "C:\temp"),
        ('t is "C:\\data"', "C:\\data"),
        ("t is “curly”", "curly"),
        ("t is ‘curly’", "curly"),
        ('t is "and or not ( ) [ ]"', "and or not ( ) [ ]"),
        ('t is ""', ""),
    ],
)
def test_string_literals(text, value):
    assert parse(text).node.value.value == value


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("n is 5000", "number", 5000),
        ("n is -2.5", "number", -2.5),
        ("n is yes", "boolean", True),
        ("n is FALSE", "boolean", False),
        ("n is 2027-01-01", "date", date(2027, 1, 1)),
    ],
)
def test_other_literals(text, kind, value):
    literal = parse(text).node.value
    assert (literal.kind, literal.value) == (kind, value)


def test_whitespace_is_free():
    assert parse("(amount>5)and(size in['a','b'])").evaluate({"amount": 6, "size": "b"})
    assert parse("amount\u00a0>\n5").evaluate({"amount": 6})


# --- Parse errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("size is", 'Expected a value after `is` (like "large", 5000 or yes) at column 8.', 8),
        ("size is large",
         'Expected a value after `is` (like "large", 5000 or yes) at column 9. To compare with '
         'the text large, put it in quotes: "large".', 9),
        ("size is not", 'Expected a value after `is not` (like "large", 5000 or yes) at column '
         "12.", 12),
        ("amount >", "Expected a value after `>` (like 5000 or 2027-01-01) at column 9.", 9),
        ("photo is sett", 'Expected a value after `is` (like "large", 5000 or yes) at column '
         "10. Did you mean `set`?", 10),
        ("photo is null", 'Expected a value after `is` (like "large", 5000 or yes) at column '
         "10. To check for a missing answer, write `is not set` or `is empty`.", 10),
        ('size is in ["a"]', 'Expected a value after `is` (like "large", 5000 or yes) at column '
         "9. To check against a list, write `in` or `not in` without `is`.", 9),
        ('size is ["a"]', 'Expected a value after `is` (like "large", 5000 or yes) at column '
         "9. To check against a list, write `in` instead of `is`.", 9),
        ("amount is greater 5", 'Expected a value after `is` (like "large", 5000 or yes) at '
         "column 11. Write `>` for 'more than' and `<` for 'less than', like `amount > 5000`.",
         11),
        ("amount => 5", "`=>` at column 8 is not an operator here. Did you mean `>=`?", 8),
        ("amount =< 5", "`=<` at column 8 is not an operator here. Did you mean `<=`?", 8),
        ("size = 5", "`=` at column 6 is not an operator here. Did you mean `is` or `==`?", 6),
        ("size <> 5", "`<>` at column 6 is not an operator here. Did you mean `!=`?", 6),
        ("a && b", "`&&` at column 3 is not an operator here. Did you mean `and`?", 3),
        ("a || b", "`||` at column 3 is not an operator here. Did you mean `or`?", 3),
        ("!a", "`!` at column 1 is not an operator here. Did you mean `not`?", 1),
        ("a >> 5", "`>>` at column 3 is not an operator here.", 3),
        ("size iss 5", "`iss` at column 6 is not an operator here. Did you mean `is`?", 6),
        ("amount greater 5", "`greater` at column 8 is not an operator here. Did you mean `>`?",
         8),
        ("languages includes 'es'",
         "`includes` at column 11 is not an operator here. Did you mean `contains`?", 11),
        ("size matches 'x'", "`matches` at column 6 is not an operator. Use `is`, `is not`, "
         "`>`, `>=`, `<`, `<=`, `in`, `not in` or `contains`.", 6),
        ('size "large"', 'Expected an operator between `size` and "large" at column 6, like '
         '`size is "large"`.', 6),
        ("size (", "Expected an operator such as `is`, `>` or `in` after `size` at column 6.", 6),
        ('size is "large" lanes', "Expected `and` or `or` before `lanes` at column 17.", 17),
        ("lanes_blocked photo is set", "Expected `and` or `or` before `photo` at column 15.",
         15),
        ('(a and b c)', "Expected `and`, `or` or `)` before `c` at column 10.", 10),
        ("a is 5 6", "Expected `and` or `or` before the value 6 at column 8.", 8),
        ("(a", "The `(` at column 1 is never closed; add a `)`.", 1),
        ("((a) or b", "The `(` at column 1 is never closed; add a `)`.", 1),
        ("a)", "The `)` at column 2 has no matching `(`.", 2),
        ("()", "Expected a field name at column 2, but found `)`.", 2),
        ('size is "large', 'The quote (") at column 9 is never closed; add a matching " after '
         "the text.", 9),
        ("size is 'large", "The quote (') at column 9 is never closed; add a matching ' after "
         "the text.", 9),
        ('size is "large\\"', 'The quote (") at column 9 is never closed; add a matching " '
         "after the text.", 9),
        ("a and", "Expected a field name after `and` at column 6.", 6),
        ("a or not", "Expected a field name after `not` at column 9.", 9),
        ("and a", "Expected a field name at column 1, but found `and`.", 1),
        ('"large" is size', 'Expected a field name at column 1, but found the value "large". '
         'Write the field first, like `size is "large"`.', 1),
        ('size is "large" or "medium"', 'Expected a field name at column 20, but found the '
         'value "medium". To allow several values, write `size in ["large", "medium"]`.', 20),
        ("yes", "Expected a field name at column 1, but found the value yes. Write the field "
         'first, like `size is "large"`.', 1),
        ('size in "large"', 'Expected a list in square brackets after `in` (like ["parade", '
         '"block party"]) at column 9. For one value, write `size is "large"`.', 9),
        ('size not in ("a")', 'Expected a list in square brackets after `not in` (like '
         '["parade", "block party"]) at column 13. Use square brackets [ ] rather than '
         "parentheses.", 13),
        ("size in []", "The list at column 9 is empty; put at least one value in it.", 9),
        ('size in ["a" "b"]', 'Expected `,` or `]` at column 14 in the list that starts at '
         "column 9. Separate values with commas.", 14),
        ('size in ["a",]', 'Expected a value at column 14 in the list that starts at column 9 '
         '(like "parade", 5000 or yes).', 14),
        ('size in ["a"', "The list that starts at column 9 is never closed; add a `]`.", 9),
        ('size not "large"', "Expected `in` or `contains` after `not` at column 10; to compare "
         "with one value, write `size is not …`.", 10),
        ("d is before 'x'", "Expected a date after `is before` (like 2027-01-01, or a time like "
         "17:30) at column 13.", 13),
        ('d is after "2027-01-01"', "Expected a date after `is after` (like 2027-01-01, or a "
         "time like 17:30) at column 12. Write the date without quotes.", 12),
        ("amount > 5,000", "Write numbers without commas, like 5000 (the comma is at column "
         "11).", 11),
        ("amount > $5000", "`$` at column 10 cannot be used in a condition. Write amounts as "
         "plain numbers, like 5000.", 10),
        ("amount > 5k", "`5k` at column 10 is not a number; write numbers with digits only, "
         "like 5000 or 12.5.", 10),
        ("amount > 1.2.3.4", "`1.2.3.4` at column 10 is not a number; write numbers with digits "
         "only, like 5000 or 12.5.", 10),
        ("d is 1.5.2026", "`1.5.2026` at column 6 is not a date in year-month-day form; write "
         "dates like 2027-01-01.", 6),
        ("d is before 2027-02-30", "`2027-02-30` at column 13 is not a real date.", 13),
        ("d is before 2027-1-1", "`2027-1-1` at column 13 is not a date in year-month-day form; "
         "write dates like 2027-01-01.", 13),
        ("d is before 01/05/2026", "`01/05/2026` at column 13 is not a date in year-month-day "
         "form; write dates like 2027-01-01.", 13),
        ("d is before 2027-01-01T10:00", "`2027-01-01T10:00` at column 13 has a time of day; "
         "compare the date alone, like 2027-01-01.", 13),
        ("t is before 25:00", "`25:00` at column 13 is not a real time.", 13),
        ("t is before 5pm", "`5pm` at column 13 is not a time in 24-hour form; write times like "
         "17:30.", 13),
        ("applicant. is set", "`applicant.` at column 1 is not a field name; join the names of "
         "nested questions with single dots, like `applicant.age`.", 1),
        ("a..b is set", "`a..b` at column 1 is not a field name; join the names of nested "
         "questions with single dots, like `applicant.age`.", 1),
        ("a.1 is set", "`a.1` at column 1 is not a field name; join the names of nested "
         "questions with single dots, like `applicant.age`.", 1),
        ("a is set; b", "`;` at column 9 cannot be used in a condition. Join tests with `and` "
         "or `or`.", 9),
        ("a is `x`", "A backtick (`) at column 6 cannot be used in a condition.", 6),
        ("a is \x00", "The character U+0000 at column 6 cannot be used in a condition.", 6),
        ('__import__("os").system("ls")', "Expected an operator such as `is`, `>` or `in` "
         "after `__import__` at column 11.", 11),
        ("", 'The condition is empty; write a test like `size is "large"`.', 1),
        ("   ", 'The condition is empty; write a test like `size is "large"`.', 1),
    ],
)
def test_parse_errors(text, message, column):
    error = error_of(text)
    assert (error.message, error.column) == (message, column)


def test_errors_are_reported_left_to_right():
    assert error_of("size is large and $").column == 9


def test_condition_error_is_a_value_error_that_survives_pickling():
    error = error_of("amount => 5")
    assert isinstance(error, ValueError)
    assert str(error) == error.message
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.column) == (error.message, error.column)


def test_text_must_be_a_string():
    with pytest.raises(ConditionError):
        parse(5)  # type: ignore[arg-type]


# --- Limits -----------------------------------------------------------------------------------


def test_longest_allowed_condition_parses():
    text = " or ".join(["amount > 5"] * 140)
    text += " " * (MAX_LENGTH - len(text))
    assert len(text) == MAX_LENGTH
    assert parse(text).evaluate({"amount": 6})


def test_ten_thousand_characters_is_refused_quickly():
    text = " and ".join(["amount > 5"] * 1000)[:10_000]
    error = error_of(text)
    assert error.message == ("The condition is 10,000 characters long; a condition can have at "
                             "most 2,000. Split it over several steps or pages.")
    assert error.column == MAX_LENGTH + 1


@pytest.mark.parametrize(
    "text",
    ["(" * 1000 + "a" + ")" * 1000, "(" * 1000 + "a", "(" * 1000, "not " * 499 + "a",
     "not (" * 400 + "a"],
    ids=["balanced-1000", "open-1000", "only-parens", "not-499", "not-paren-400"],
)
def test_deep_nesting_is_refused_quickly(text):
    with pytest.raises(ConditionError) as caught:
        parse(text)
    assert "nested too deeply" in caught.value.message or "characters long" in caught.value.message


def test_nesting_limit_is_exact():
    assert parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH).evaluate({"a": True})
    assert parse("not " * MAX_DEPTH + "a").evaluate({"a": True})
    error = error_of("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1))
    assert error.message == ("The condition is nested too deeply at column 51: use at most 50 "
                             "levels of parentheses and `not`.")
    assert error.column == MAX_DEPTH + 1
    assert error_of("not (" * 25 + "not a" + ")" * 25).column == 126


def test_long_flat_chains_are_fine():
    text = " and ".join(f"f{i} is set" for i in range(120))
    condition = parse(text)
    answers = {f"f{i}": "x" for i in range(120)}
    assert condition.evaluate(answers)
    assert len(condition.fields()) == 120
    assert describe(condition).count(" and ") == 119


# --- Type checks -------------------------------------------------------------------------------

FIELDS = {
    "amount": FieldType("number"),
    "size": FieldType("text", ("small", "medium", "large")),
    "location": FieldType("text"),
    "lanes_blocked": FieldType("boolean"),
    "event_date": FieldType("date"),
    "opening_time": FieldType("time"),
    "languages": FieldType("list", ("en", "es", "fr")),
    "tags": FieldType("list"),
    "photo": FieldType("file"),
    "applicant": FieldType("group"),
    "applicant.age": FieldType("number"),
    "rooms": FieldType("number", (1, 2, 3)),
    "consent": FieldType("text", ("yes", "no")),
}


@pytest.mark.parametrize(
    "text",
    [
        "amount > 5000", "amount is 5.5", "amount in [1, 2]", "amount is empty", "amount is set",
        'size is "large"', 'size in ["small", "large"]', 'size is not "large"', "lanes_blocked",
        "not lanes_blocked", "lanes_blocked is no", "event_date is before 2027-01-01",
        "event_date >= 2026-01-01", "opening_time is after 09:00", "opening_time < 12:00",
        'languages is "es"', 'languages contains "fr"', 'languages not in ["en"]',
        'tags contains "anything"', "tags contains 5", 'location contains "Main St"',
        'location is "x"', "photo is set", "photo is not empty", "applicant is set",
        "applicant.age >= 65", "rooms is 2", "rooms >= 3", "consent is yes", 'consent is "no"',
    ],
)
def test_typecheck_accepts(text):
    assert typecheck(parse(text), FIELDS) == []


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("amout > 5000", 1, "`amout` is not a field of this form. Did you mean `amount`?"),
        ("zzz is set", 1, "`zzz` is not a field of this form."),
        ("Size is 'large'", 1, "`Size` is not a field of this form. Did you mean `size`?"),
        ("applicant.agee > 5", 1,
         "`applicant.agee` is not a field of this form. Did you mean `applicant.age`?"),
        ('amount > "abc"', 10, '`amount` is a number, it cannot be compared with text ("abc").'),
        ('amount is "5000"', 11, '`amount` is a number, it cannot be compared with text '
         '("5000"). Write the number without quotes: 5000.'),
        ("location is 5", 13, "`location` is text, it cannot be compared with a number (5)."),
        ("location contains 5", 19,
         "`location` is text, it cannot be compared with a number (5)."),
        ("size is yes", 9, "`size` is text, it cannot be compared with yes/no (yes)."),
        ('lanes_blocked is "yes"', 18, '`lanes_blocked` is a yes/no question, it cannot be '
         'compared with text ("yes"). Write yes without quotes.'),
        ("lanes_blocked is 1", 18,
         "`lanes_blocked` is a yes/no question, it cannot be compared with a number (1)."),
        ('event_date is "2027-01-01"', 15, '`event_date` is a date, it cannot be compared with '
         'text ("2027-01-01"). Write 2027-01-01 without quotes.'),
        ("event_date is before 12:00", 22,
         "`event_date` is a date, it cannot be compared with a time (12:00)."),
        ("opening_time > 2027-01-01", 16,
         "`opening_time` is a time, it cannot be compared with a date (2027-01-01)."),
        ('size > "a"', 6,
         "`size` is text, so `>` cannot be used with it. Use `is` or `in` to compare text."),
        ("lanes_blocked >= 1", 15, "`lanes_blocked` is a yes/no question, so `>=` cannot be "
         "used with it. Use `lanes_blocked is yes` or `lanes_blocked is no`."),
        ("languages > 1", 11, "`languages` is a list of choices, so `>` cannot be used with "
         "it. Use `contains` or `in` for a list of choices."),
        ("amount is before 2027-01-01", 8, "`amount` is a number, so `is before` cannot be used "
         "with it. Use `<` or `>` to compare numbers."),
        ("location is not after 2027-01-01", 10, "`location` is text, so `is not after` cannot "
         "be used with it. `is before` and `is after` are for dates and times."),
        ("amount contains 5", 8, "`amount` is a number, so `contains` cannot be used with it. "
         "`contains` is for lists and text."),
        ('photo is "x"', 7, "`photo` is a file upload, so `is` cannot be used with it. Use "
         "`photo is set` or `photo is not set`."),
        ("applicant > 5", 11, "`applicant` is a group of questions, so `>` cannot be used with "
         "it. Name one question inside it, like `applicant.age`."),
        ('size is "huge"', 9, '`size` can only be "small", "medium" or "large", so '
         '`size is "huge"` can never hold.'),
        ('size is "Large"', 9, '`size` can only be "small", "medium" or "large", so '
         '`size is "Large"` can never hold. Did you mean "large"?'),
        ('size != "huge"', 9, '`size` can only be "small", "medium" or "large", so '
         '`size != "huge"` always holds.'),
        ('size in ["small", "hug"]', 19, '`size` can only be "small", "medium" or "large", so '
         '"hug" in `size in ["small", "hug"]` can never match.'),
        ('languages contains "de"', 20, '`languages` can only include "en", "es" or "fr", so '
         '`languages contains "de"` can never hold.'),
        ("rooms is 5", 10, "`rooms` can only be 1, 2 or 3, so `rooms is 5` can never hold."),
        ("rooms > 3", 9, "`rooms` can only be 1, 2 or 3, so `rooms > 3` can never hold."),
        ("location", 1, "`location` is text, not a yes/no question, so it cannot stand on its "
         "own. Write `location is set` to check that it has an answer."),
        ("not amount", 5, "`amount` is a number, not a yes/no question, so it cannot stand on "
         "its own. Write `amount is set` to check that it has an answer."),
    ],
)
def test_typecheck_errors(text, column, message):
    errors = typecheck(parse(text), FIELDS)
    assert [(e.column, e.message) for e in errors] == [(column, message)]


def test_typecheck_reports_each_problem_in_order_and_each_unknown_name_once():
    text = 'amout > 5 and size is "huge" or amout < 2 and location'
    errors = typecheck(parse(text), FIELDS)
    assert [e.column for e in errors] == [1, 23, 47]
    assert [e.message.split(" ")[0] for e in errors] == ["`amout`", "`size`", "`location`"]


def test_in_list_checks_every_value():
    errors = typecheck(parse('amount in [1, "two", 3, "four"]'), FIELDS)
    assert [e.column for e in errors] == [15, 25]


def test_long_choice_lists_are_summarised():
    fields = {"ward": FieldType("text", tuple(f"ward {n}" for n in range(1, 21)))}
    [error] = typecheck(parse('ward is "ward 99"'), fields)
    assert error.message.startswith("`ward` can only be one of its 20 choices, so ")


def test_typecheck_with_no_fields():
    [error] = typecheck(parse("amount > 5"), {})
    assert error.message == "`amount` is not a field of this form."


# --- describe() -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ('size is "large" or lanes_blocked',
         'the answer to "size" is "large" or the answer to "lanes_blocked" is yes'),
        ("amount > 5000", 'the answer to "amount" is more than 5000'),
        ("amount >= 5000", 'the answer to "amount" is at least 5000'),
        ("amount < 5000", 'the answer to "amount" is less than 5000'),
        ("amount <= 5000", 'the answer to "amount" is at most 5000'),
        ("not amount > 5000", 'the answer to "amount" is not more than 5000'),
        ('size != "large"', 'the answer to "size" is not "large"'),
        ("d > 2027-01-01", 'the answer to "d" is after 2027-01-01'),
        ("d <= 2027-01-01", 'the answer to "d" is on or before 2027-01-01'),
        ("d is before 2027-01-01", 'the answer to "d" is before 2027-01-01'),
        ("d is not after 2027-01-01", 'the answer to "d" is not after 2027-01-01'),
        ("t >= 09:00", 'the answer to "t" is at or after 09:00'),
        ("photo is set", 'there is an answer to "photo"'),
        ("not photo is set", 'there is no answer to "photo"'),
        ("photo is not empty", 'the answer to "photo" is not empty'),
        ("not lanes_blocked", 'the answer to "lanes_blocked" is not yes'),
        ("not not lanes_blocked", 'the answer to "lanes_blocked" is yes'),
        ("b is no", 'the answer to "b" is no'),
        ('p in ["parade"]', 'the answer to "p" is "parade"'),
        ('p in ["parade", "fair"]', 'the answer to "p" is "parade" or "fair"'),
        ('p not in ["parade", "fair"]', 'the answer to "p" is neither "parade" nor "fair"'),
        ('p in ["a", "b", "c"]', 'the answer to "p" is one of "a", "b" or "c"'),
        ('p not in ["a", "b", "c"]', 'the answer to "p" is none of "a", "b" or "c"'),
        ('l contains "es"', 'the answer to "l" includes "es"'),
        ('l not contains "es"', 'the answer to "l" does not include "es"'),
        ("a and (b or c)",
         'the answer to "a" is yes and (the answer to "b" is yes or the answer to "c" is yes)'),
        ("a or b and c",
         'the answer to "a" is yes or (the answer to "b" is yes and the answer to "c" is yes)'),
        ("not (a or b)",
         'it is not the case that (the answer to "a" is yes or the answer to "b" is yes)'),
    ],
)
def test_describe(text, sentence):
    assert describe(parse(text)) == sentence


def test_describe_with_question_titles_and_choice_labels():
    titles = {"size": "How big is it?", "lanes_blocked": "Is it blocking a lane?"}
    labels = {"large": "Wider than a car"}
    sentence = describe(parse('size is "large" or lanes_blocked'), label=titles.__getitem__,
                        value_label=lambda field, value: labels.get(value, value))
    assert sentence == ('the answer to "How big is it?" is "Wider than a car" or the answer to '
                        '"Is it blocking a lane?" is yes')


# --- Properties -------------------------------------------------------------------------------

TOKENS = [
    "size", "amount", "applicant.age", "a-b", "año", "(", ")", "[", "]", ",", "and", "or", "not",
    "is", "is not", "in", "not in", "contains", "set", "empty", "before", "after", "==", "!=",
    ">", ">=", "<", "<=", "=>", "=", "!", "&&", '"large"', "'x'", '"unterminated', "“curly”",
    '"esc\\"aped"', "5000", "-1.5", "5,000", "5k", "2027-01-01", "2027-02-30", "12:30", "25:00",
    "yes", "no", "true", "false", "$", ".", "..", "\\", "`", "\x00", "#", "\n", " ",
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.sampled_from(["2027-01-01", "12:30", "yes", "5000", "large", ""]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["size", "amount", "applicant", "age", "a-b"]), children,
                      max_size=4),
    max_leaves=12,
)
ANSWERS = st.dictionaries(st.sampled_from(["size", "amount", "applicant", "a-b", "año"]), JSON,
                          max_size=5)
TYPES = st.dictionaries(
    st.sampled_from(["size", "amount", "applicant", "applicant.age", "a-b"]),
    st.builds(FieldType, st.sampled_from(["text", "number", "boolean", "date", "time", "list",
                                          "file", "group"]),
              st.none() | st.tuples(st.sampled_from(["large", 5, True, "x"]))),
    max_size=5,
)


def parses_or_explains(text: str) -> Condition | None:
    try:
        condition = parse(text)
    except ConditionError as error:
        assert error.message
        assert 1 <= error.column <= max(len(text), MAX_LENGTH) + 1
        return None
    assert isinstance(condition, Condition)
    return condition


@settings(max_examples=300)
@given(st.text())
def test_any_text_parses_or_raises_condition_error(text):
    parses_or_explains(text)


@settings(max_examples=400)
@given(st.lists(st.sampled_from(TOKENS), max_size=25), st.sampled_from([" ", ""]))
def test_token_soup_parses_or_raises_condition_error(tokens, separator):
    parses_or_explains(separator.join(tokens))


@st.composite
def conditions(draw, depth: int = 0) -> str:
    """Well-formed condition text, built from the grammar."""
    if depth < 3 and draw(st.booleans()):
        joiner = draw(st.sampled_from([" and ", " or ", " AND "]))
        parts = draw(st.lists(conditions(depth + 1), min_size=2, max_size=3))
        return f"({joiner.join(parts)})"
    if depth < 3 and draw(st.integers(0, 5)) == 0:
        return "not " + draw(conditions(depth + 1))
    field = draw(st.sampled_from(["size", "amount", "applicant.age", "a-b"]))
    literal = st.sampled_from(['"large"', "5000", "-2.5", "yes", "no", "2027-01-01", "12:30"])
    test = draw(st.sampled_from([
        "", " is {v}", " == {v}", " is not {v}", " != {v}", " > {v}", " <= {v}", " in [{v}, {v}]",
        " not in [{v}]", " contains {v}", " is set", " is not empty", " is before 2027-01-01",
        " is not after 12:30",
    ]))
    return field + test.replace("{v}", draw(literal), 1).replace("{v}", draw(literal))


@settings(max_examples=300)
@given(conditions(), ANSWERS, TYPES)
def test_grammar_conditions_parse_and_never_raise_later(text, answers, types):
    condition = parse(text)
    assert condition.fields() <= {"size", "amount", "applicant.age", "a-b"}
    assert condition.evaluate(answers) in (True, False)
    assert all(isinstance(error, ConditionError) for error in typecheck(condition, types))
    assert isinstance(describe(condition), str)


@settings(max_examples=200)
@given(conditions(), ANSWERS)
def test_not_is_the_exact_negation(text, answers):
    assert parse(f"not ({text})").evaluate(answers) is not parse(text).evaluate(answers)


@settings(max_examples=200)
@given(st.lists(st.sampled_from(TOKENS), max_size=25), ANSWERS, TYPES)
def test_whatever_parses_can_be_used(tokens, answers, types):
    condition = parses_or_explains(" ".join(tokens))
    if condition is not None:
        assert condition.evaluate(answers) in (True, False)
        typecheck(condition, types)
        describe(condition)
