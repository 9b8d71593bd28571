"""Residents see one plain message per question, in their language, where the question is."""

from __future__ import annotations

import copy
import socket
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from schemas.formats import format_checker
from schemas.validation import (
    FieldError,
    RemoteReferenceError,
    SchemaReferenceError,
    accepted_type,
    compiled_validator,
    explain,
    format_number,
    format_size,
    media_type_name,
    parse_size,
    upload_errors,
    validate_answers,
)

TITLES = {"en": "Details", "es": "Detalles", "zh": "详情"}
POTHOLE = Path(__file__).resolve().parents[2] / "examples" / "pothole-report.yaml"
MISSING = object()


def title_of_question(lang: str):
    return lambda path: TITLES[lang] if path == "q" else None


def errors_for(field: dict[str, Any], answer: Any, lang: str, *,
               required: bool = False) -> list[FieldError]:
    """Validate one question ``q`` whose title, in each language, is in TITLES."""
    schema = {"type": "object", "properties": {"q": field}}
    if required:
        schema["required"] = ["q"]
    answers = {} if answer is MISSING else {"q": answer}
    return validate_answers(schema, answers, title_of=title_of_question(lang), lang=lang)


TEXT = {"type": "string"}
CHOICE = {"type": "string", "enum": ["small", "medium", "large"]}
MULTI = {"type": "array", "items": {"enum": ["a", "b", "c"]}, "uniqueItems": True}
FILES = {"type": "array", "items": {"type": "string", "format": "file"}}
REPEAT = {"type": "array", "items": {"type": "object", "properties": {"name": TEXT}}}

# id, question schema, answer (MISSING: not answered), required?, code, en, es, zh
KEYWORD_CASES = [
    ("required-text", TEXT, MISSING, True, "required",
     "Enter an answer for “Details”", "Escriba una respuesta para “Detalles”", "请填写“详情”"),
    ("required-email", {"type": "string", "format": "email"}, MISSING, True, "required",
     "Enter an email address for “Details”", "Escriba un correo electrónico para “Detalles”",
     "请为“详情”填写电子邮箱地址"),
    ("required-date", {"type": "string", "format": "date"}, MISSING, True, "required",
     "Enter a date for “Details”", "Escriba una fecha para “Detalles”", "请为“详情”填写日期"),
    ("required-tel", {"type": "string", "format": "tel"}, MISSING, True, "required",
     "Enter a phone number for “Details”", "Escriba un número de teléfono para “Detalles”",
     "请为“详情”填写电话号码"),
    ("required-number", {"type": "number"}, MISSING, True, "required",
     "Enter a number for “Details”", "Escriba un número para “Detalles”", "请为“详情”填写数字"),
    ("required-choice", CHOICE, MISSING, True, "required",
     "Select an answer for “Details”", "Seleccione una respuesta para “Detalles”",
     "请选择“详情”的答案"),
    ("required-boolean", {"type": "boolean"}, MISSING, True, "required",
     "Select an answer for “Details”", "Seleccione una respuesta para “Detalles”",
     "请选择“详情”的答案"),
    ("required-checkboxes", MULTI, MISSING, True, "required",
     "Select at least one option for “Details”",
     "Seleccione al menos una opción para “Detalles”", "请为“详情”至少选择一项"),
    ("required-file", {"type": "string", "format": "file"}, MISSING, True, "required",
     "Select a file for “Details”", "Seleccione un archivo para “Detalles”",
     "请为“详情”选择文件"),
    ("required-group", {"type": "object", "properties": {"a": TEXT}}, MISSING, True,
     "required", "Enter the details for “Details”", "Complete los datos de “Detalles”",
     "请填写“详情”的详细信息"),
    ("null-is-missing", TEXT, None, False, "required",
     "Enter an answer for “Details”", "Escriba una respuesta para “Detalles”", "请填写“详情”"),
    ("empty-is-missing", {"type": "string", "minLength": 1}, "", False, "required",
     "Enter an answer for “Details”", "Escriba una respuesta para “Detalles”", "请填写“详情”"),
    ("type-number", {"type": "number"}, "twelve", False, "type",
     "Your answer to “Details” must be a number", "Su respuesta a “Detalles” debe ser un número",
     "“详情”的答案必须是数字"),
    ("type-integer", {"type": "integer"}, 2.5, False, "type",
     "Your answer to “Details” must be a whole number",
     "Su respuesta a “Detalles” debe ser un número entero", "“详情”的答案必须是整数"),
    ("type-boolean", {"type": "boolean"}, "maybe", False, "type",
     "Select yes or no for “Details”", "Seleccione sí o no para “Detalles”",
     "请为“详情”选择“是”或“否”"),
    ("type-string", TEXT, 42, False, "type",
     "Your answer to “Details” must be text", "Su respuesta a “Detalles” debe ser un texto",
     "“详情”的答案必须是文字"),
    ("format-email", {"type": "string", "format": "email"}, "name@", False, "format.email",
     "Enter an email address in the right format for “Details”, like name@example.com",
     "Escriba un correo electrónico con el formato correcto para “Detalles”, por ejemplo, "
     "nombre@ejemplo.com",
     "请为“详情”填写格式正确的电子邮箱地址，例如：name@example.com"),
    ("format-date", {"type": "string", "format": "date"}, "2026-02-30", False, "format.date",
     "Enter a real date for “Details”, like 2026-03-27",
     "Escriba una fecha correcta para “Detalles”, por ejemplo, 2026-03-27",
     "请为“详情”填写正确的日期，例如：2026-03-27"),
    ("format-time", {"type": "string", "format": "time"}, "25:00", False, "format.time",
     "Enter a real time for “Details”, like 14:30",
     "Escriba una hora correcta para “Detalles”, por ejemplo, 14:30",
     "请为“详情”填写正确的时间，例如：14:30"),
    ("format-date-time", {"type": "string", "format": "date-time"}, "2026-03-27", False,
     "format.date-time", "Enter a real date and time for “Details”, like 2026-03-27 14:30",
     "Escriba una fecha y hora correctas para “Detalles”, por ejemplo, 2026-03-27 14:30",
     "请为“详情”填写正确的日期和时间，例如：2026-03-27 14:30"),
    ("format-uri", {"type": "string", "format": "uri"}, "www.example.com", False,
     "format.uri",
     "Enter a web address in the right format for “Details”, like https://www.example.com",
     "Escriba una dirección web con el formato correcto para “Detalles”, por ejemplo, "
     "https://www.example.com",
     "请为“详情”填写格式正确的网址，例如：https://www.example.com"),
    ("format-tel", {"type": "string", "format": "tel"}, "call me", False, "format.tel",
     "Enter a phone number in the right format for “Details”, like 555-555-0123",
     "Escriba un número de teléfono con el formato correcto para “Detalles”, por ejemplo, "
     "555-555-0123",
     "请为“详情”填写格式正确的电话号码，例如：555-555-0123"),
    ("format-other", {"type": "string", "format": "ipv4"}, "1.2.3", False, "format.ipv4",
     "Enter your answer to “Details” in the right format",
     "Escriba su respuesta a “Detalles” con el formato correcto", "请按正确的格式填写“详情”"),
    ("pattern", {"type": "string", "pattern": "^[0-9]{5}$"}, "9021", False, "pattern",
     "Enter your answer to “Details” in the right format",
     "Escriba su respuesta a “Detalles” con el formato correcto", "请按正确的格式填写“详情”"),
    ("maxLength", {"type": "string", "maxLength": 200}, "x" * 201, False, "maxLength",
     "Your answer to “Details” must be 200 characters or fewer",
     "Su respuesta a “Detalles” debe tener 200 caracteres como máximo",
     "“详情”的答案不能超过200个字符"),
    ("maxLength-one", {"type": "string", "maxLength": 1}, "xy", False, "maxLength",
     "Your answer to “Details” must be 1 character or fewer",
     "Su respuesta a “Detalles” debe tener 1 carácter como máximo",
     "“详情”的答案不能超过1个字符"),
    ("minLength", {"type": "string", "minLength": 5}, "abc", False, "minLength",
     "Your answer to “Details” must be 5 characters or more",
     "Su respuesta a “Detalles” debe tener al menos 5 caracteres",
     "“详情”的答案至少需要5个字符"),
    ("minimum", {"type": "integer", "minimum": 5}, 3, False, "minimum",
     "Your answer to “Details” must be 5 or more", "Su respuesta a “Detalles” debe ser 5 o más",
     "“详情”的答案必须大于或等于5"),
    ("maximum", {"type": "integer", "maximum": 10}, 11, False, "maximum",
     "Your answer to “Details” must be 10 or less",
     "Su respuesta a “Detalles” debe ser 10 o menos", "“详情”的答案必须小于或等于10"),
    ("between", {"type": "number", "minimum": 1, "maximum": 12_500}, 20_000, False, "maximum",
     "Your answer to “Details” must be between 1 and 12,500",
     "Su respuesta a “Detalles” debe estar entre 1 y 12.500",
     "“详情”的答案必须在1到12,500之间"),
    ("exclusiveMinimum", {"type": "number", "exclusiveMinimum": 0}, 0, False,
     "exclusiveMinimum", "Your answer to “Details” must be more than 0",
     "Su respuesta a “Detalles” debe ser mayor que 0", "“详情”的答案必须大于0"),
    ("exclusiveMaximum", {"type": "number", "exclusiveMaximum": 1.5}, 2, False,
     "exclusiveMaximum", "Your answer to “Details” must be less than 1.5",
     "Su respuesta a “Detalles” debe ser menor que 1,5", "“详情”的答案必须小于1.5"),
    ("multipleOf", {"type": "integer", "multipleOf": 5}, 7, False, "multipleOf",
     "Your answer to “Details” must be a multiple of 5",
     "Su respuesta a “Detalles” debe ser un múltiplo de 5", "“详情”的答案必须是5的倍数"),
    ("multipleOf-whole", {"type": "number", "multipleOf": 1}, 2.5, False, "multipleOf",
     "Your answer to “Details” must be a whole number",
     "Su respuesta a “Detalles” debe ser un número entero", "“详情”的答案必须是整数"),
    ("multipleOf-cents", {"type": "number", "multipleOf": 0.01}, 19.999, False, "multipleOf",
     "Your answer to “Details” can have no more than 2 decimal places",
     "Su respuesta a “Detalles” puede tener como máximo 2 decimales",
     "“详情”的答案最多只能有2位小数"),
    ("enum", CHOICE, "huge", False, "enum",
     "Select one of the options for “Details”", "Seleccione una de las opciones de “Detalles”",
     "请从“详情”的选项中选择一项"),
    ("oneOf-choices", {"oneOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}]},
     "c", False, "enum", "Select one of the options for “Details”",
     "Seleccione una de las opciones de “Detalles”", "请从“详情”的选项中选择一项"),
    ("const-consent", {"type": "boolean", "const": True}, False, False, "const",
     "Select “Details” to continue", "Marque “Detalles” para continuar", "请勾选“详情”后继续"),
    ("const-value", {"type": "integer", "const": 42}, 41, False, "const",
     "Your answer to “Details” must be 42", "Su respuesta a “Detalles” debe ser 42",
     "“详情”的答案必须是42"),
    ("enum-in-checkboxes", MULTI, ["a", "z"], False, "enum",
     "Select one of the options for “Details”", "Seleccione una de las opciones de “Detalles”",
     "请从“详情”的选项中选择一项"),
    ("minItems-checkboxes", {**MULTI, "minItems": 2}, ["a"], False, "minItems",
     "Select at least 2 options for “Details”",
     "Seleccione al menos 2 opciones para “Detalles”", "请为“详情”至少选择2项"),
    ("minItems-files", {**FILES, "minItems": 2}, ["f1"], False, "minItems",
     "Select at least 2 files for “Details”", "Seleccione al menos 2 archivos para “Detalles”",
     "请为“详情”至少选择2个文件"),
    ("minItems-repeat", {**REPEAT, "minItems": 1}, [], False, "minItems",
     "Add at least 1 item to “Details”", "Agregue al menos 1 elemento a “Detalles”",
     "请为“详情”至少添加1项"),
    ("maxItems-checkboxes", {**MULTI, "maxItems": 1}, ["a", "b"], False, "maxItems",
     "Select no more than 1 option for “Details”",
     "Seleccione como máximo 1 opción para “Detalles”", "“详情”最多只能选择1项"),
    ("maxItems-files", {**FILES, "maxItems": 3}, ["a", "b", "c", "d"], False, "maxItems",
     "Select no more than 3 files for “Details”",
     "Seleccione como máximo 3 archivos para “Detalles”", "“详情”最多只能选择3个文件"),
    ("maxItems-repeat", {**REPEAT, "maxItems": 2}, [{}, {}, {}], False, "maxItems",
     "Add no more than 2 items to “Details”", "Agregue como máximo 2 elementos a “Detalles”",
     "“详情”最多只能添加2项"),
    ("uniqueItems-checkboxes", MULTI, ["a", "a"], False, "uniqueItems",
     "Select each option for “Details” only once",
     "Seleccione cada opción de “Detalles” una sola vez", "“详情”的每个选项只能选择一次"),
    ("uniqueItems-list", {"type": "array", "items": TEXT, "uniqueItems": True}, ["x", "x"],
     False, "uniqueItems", "Each answer to “Details” must be different",
     "Cada respuesta a “Detalles” debe ser diferente", "“详情”的各项答案不能重复"),
    ("not", {"type": "string", "not": {"const": "none"}}, "none", False, "not",
     "Check your answer to “Details”", "Revise su respuesta a “Detalles”",
     "请检查“详情”的答案"),
]


@pytest.mark.parametrize("lang", ["en", "es", "zh"])
@pytest.mark.parametrize(
    ("field", "answer", "required", "code", "en", "es", "zh"),
    [case[1:] for case in KEYWORD_CASES], ids=[case[0] for case in KEYWORD_CASES])
def test_each_keyword_gives_its_code_and_plain_message(field, answer, required, code, en, es,
                                                       zh, lang):
    expected = {"en": en, "es": es, "zh": zh}[lang]
    assert errors_for(field, answer, lang, required=required) == [
        FieldError("q", expected, code)]


def test_an_unknown_field_posted_is_named_for_the_whole_form():
    schema = {"type": "object", "properties": {"q": TEXT}, "additionalProperties": False}
    answers = {"q": "ok", "qq": "typo", "admin": True}
    found = {lang: validate_answers(schema, answers, title_of=lambda p: None, lang=lang)
             for lang in TITLES}
    assert found["en"] == [FieldError(
        "", "This form has no questions called “qq” and “admin”", "additionalProperties")]
    assert found["es"][0].message == "Este formulario no tiene preguntas llamadas “qq” y “admin”"
    assert found["zh"][0].message == "此表格中没有名为“qq”和“admin”的问题"
    one = validate_answers(schema, {"extra": 1}, title_of=lambda p: None)
    assert one[0].message == "This form has no question called “extra”"


def test_unevaluated_properties_count_what_branches_declare():
    schema = {"type": "object", "properties": {"a": TEXT},
              "allOf": [{"properties": {"b": TEXT}}], "unevaluatedProperties": False}
    assert validate_answers(schema, {"a": "1", "b": "2", "c": "3"}, title_of=lambda p: None) \
        == [FieldError("", "This form has no question called “c”", "unevaluatedProperties")]


def test_a_form_that_is_not_a_set_of_answers_gets_a_form_level_message():
    assert validate_answers({"type": "object"}, ["not", "answers"], title_of=lambda p: None,
                            lang="es") == [FieldError(
        "", "Hay un problema con las respuestas enviadas. Regrese e inténtelo de nuevo.", "type")]


# --- Where the message goes ---------------------------------------------------------------------

HOUSEHOLD = {
    "type": "object",
    "required": ["applicant", "household_members"],
    "properties": {
        "applicant": {
            "type": "object", "title": "About you", "required": ["address"],
            "properties": {
                "name": {"type": "string", "title": "Full name"},
                "address": {"type": "object", "title": "Address", "required": ["zip"],
                            "properties": {"zip": {"type": "string", "title": "ZIP code",
                                                   "pattern": "^[0-9]{5}$"}}},
            },
        },
        "household_members": {
            "type": "array", "title": "People in your household",
            "items": {"$ref": "#/$defs/person"},
        },
        "pets": {"type": "array", "title": "Pets", "items": {"enum": ["dog", "cat"]}},
    },
    "$defs": {"person": {"type": "object", "required": ["name", "born"], "properties": {
        "name": {"type": "string", "title": "Name"},
        "born": {"type": "string", "format": "date", "title": "Date of birth"},
        "end_date": {"type": "string", "format": "date"},
    }}},
}


def test_required_inside_groups_is_reported_on_the_missing_question():
    found = validate_answers(HOUSEHOLD, {"applicant": {"address": {}}, "household_members": []},
                             title_of=lambda p: None)
    assert found == [FieldError("applicant.address.zip", "Enter an answer for “ZIP code”",
                                "required")]


def test_errors_inside_repeating_groups_carry_the_item_index():
    members = [{"name": "Ana", "born": "1990-01-01"}, {"name": "Wei", "born": "1991-02-03"},
               {"born": "2020-13-01", "end_date": "soon"}]
    found = validate_answers(HOUSEHOLD, {"applicant": {"address": {"zip": "12345"}},
                                         "household_members": members}, title_of=lambda p: None)
    assert [(e.path, e.code) for e in found] == [
        ("household_members.2.name", "required"),
        ("household_members.2.born", "format.date"),
        ("household_members.2.end_date", "format.date"),
    ]
    assert found[2].message == "Enter a real date for “End date”, like 2026-03-27"


def test_title_of_gets_the_path_without_indices_and_wins():
    asked: list[str] = []

    def title_of(path: str) -> str | None:
        asked.append(path)
        return {"household_members.name": "Nombre"}.get(path)

    found = validate_answers(HOUSEHOLD, {"applicant": {"address": {"zip": "1"}},
                                         "household_members": [{"born": "2001-01-01"}]},
                             title_of=title_of, lang="es")
    assert "household_members.name" in asked
    assert FieldError("household_members.0.name", "Escriba una respuesta para “Nombre”",
                      "required") in found
    assert FieldError("applicant.address.zip",
                      "Escriba su respuesta a “ZIP code” con el formato correcto",
                      "pattern") in found


def test_a_wrong_choice_in_checkboxes_is_reported_on_the_checkboxes():
    found = validate_answers(HOUSEHOLD, {"applicant": {"address": {"zip": "12345"}},
                                         "household_members": [], "pets": ["dog", "lizard"]},
                             title_of=lambda p: None)
    assert found == [FieldError("pets", "Select one of the options for “Pets”", "enum")]


def test_errors_follow_the_order_of_the_questions_with_one_per_question():
    schema = {"type": "object", "required": ["first", "second", "third"], "properties": {
        "first": {"type": "string", "minLength": 3, "pattern": "^[a-z]+$"},
        "second": {"type": "integer"},
        "third": {"type": "string", "format": "email", "maxLength": 5},
    }}
    found = validate_answers(schema, {"third": "not an email", "first": "A1"},
                             title_of=lambda p: None)
    assert [(e.path, e.code) for e in found] == [
        ("first", "minLength"), ("second", "required"), ("third", "format.email")]


def test_untitled_questions_get_a_humanised_name_and_schema_titles_are_used():
    schema = {"type": "object", "required": ["end_date", "size"], "properties": {
        "end_date": {"type": "string", "format": "date"},
        "size": {"type": "string", "enum": ["s"], "title": "Size", "title_es": "Tamaño"},
    }}
    found = validate_answers(schema, {}, title_of=lambda p: None, lang="es")
    assert [e.message for e in found] == ["Escriba una fecha para “End date”",
                                          "Seleccione una respuesta para “Tamaño”"]


def test_a_regional_language_code_uses_its_base_language():
    assert errors_for(TEXT, MISSING, "es", required=True) == errors_for(
        TEXT, MISSING, "es", required=True)
    schema = {"type": "object", "required": ["q"], "properties": {"q": TEXT}}
    for code, expected in (("es-MX", "Escriba una respuesta para “Q”"),
                           ("zh_CN", "请填写“Q”"), ("zh-Hans", "请填写“Q”"),
                           ("fr", "Enter an answer for “Q”")):
        assert validate_answers(schema, {}, title_of=lambda p: None, lang=code)[0].message \
            == expected


def test_a_custom_error_message_explains_a_pattern_in_each_language():
    field = {"type": "string", "pattern": "^[0-9]{5}$",
             "errorMessage": "Enter a 5-digit ZIP code, like 90210",
             "errorMessage_es": "Escriba un código postal de 5 dígitos, por ejemplo, 90210"}
    assert errors_for(field, "902", "en")[0].message == "Enter a 5-digit ZIP code, like 90210"
    assert errors_for(field, "902", "es")[0].message == \
        "Escriba un código postal de 5 dígitos, por ejemplo, 90210"
    assert errors_for(field, "902", "zh")[0].message == "Enter a 5-digit ZIP code, like 90210"
    assert errors_for(field, MISSING, "en", required=True)[0].message == \
        "Enter an answer for “Details”"


def test_money_in_cents_is_accepted_whatever_binary_floats_say():
    cents = {"type": "number", "multipleOf": 0.01}
    accepted = (19.99, 0.07, 1.15, 1234.56, 5, 66639559.050000004, 1e300)
    assert all(errors_for(cents, value, "en") == [] for value in accepted)
    assert all(errors_for(cents, value, "en")[0].code == "multipleOf" for value in (0.001, 1.005))
    assert errors_for({"type": "integer", "multipleOf": 3}, 10**30 + 1, "en")[0].code == \
        "multipleOf"


# --- Branches ----------------------------------------------------------------------------------

CONTACT = {"type": "object", "required": ["contact"], "properties": {
    "contact": {"title": "How can we reach you?", "oneOf": [
        {"type": "object", "required": ["phone"],
         "properties": {"phone": {"type": "string", "format": "tel", "title": "Phone"}}},
        {"type": "object", "required": ["email"],
         "properties": {"email": {"type": "string", "format": "email", "title": "Email"}}},
    ]}}}


@pytest.mark.parametrize(("contact", "expected"), [
    ({}, FieldError("contact.phone", "Enter a phone number for “Phone”", "required")),
    ({"email": "bad"}, FieldError(
        "contact.email",
        "Enter an email address in the right format for “Email”, like name@example.com",
        "format.email")),
    ({"phone": "12"}, FieldError(
        "contact.phone", "Enter a phone number in the right format for “Phone”, like "
        "555-555-0123", "format.tel")),
    ("by post", FieldError("contact", "Check your answer to “How can we reach you?”", "type")),
])
def test_one_of_is_explained_by_the_branch_the_resident_came_closest_to(contact, expected):
    assert validate_answers(CONTACT, {"contact": contact}, title_of=lambda p: None) == [expected]


def test_any_of_is_explained_the_same_way():
    schema = {"type": "object", "properties": {"age": {"title": "Age", "anyOf": [
        {"type": "integer", "minimum": 18}, {"type": "string", "const": "adult"}]}}}
    assert validate_answers(schema, {"age": 12}, title_of=lambda p: None) == [
        FieldError("age", "Your answer to “Age” must be 18 or more", "minimum")]


def test_if_then_requires_the_conditional_question_in_its_own_words():
    schema = yaml.safe_load(POTHOLE.read_text("utf-8"))["schema"]
    answers = {"location": "Oak Street", "size": "large", "email": "ana@example.com"}
    found = validate_answers(schema, answers, title_of=lambda p: None, lang="es")
    assert found == [FieldError(
        "lanes_blocked", "Seleccione una respuesta para “¿Los conductores lo esquivan o bloquea "
        "un carril?”", "required")]
    assert validate_answers(schema, {**answers, "size": "small"}, title_of=lambda p: None) == []


def test_if_then_else_and_dependent_required_in_2020_12():
    schema = {"type": "object", "properties": {
        "country": {"type": "string"}, "zip": {"type": "string", "title": "ZIP code"},
        "postcode": {"type": "string", "title": "Postcode"},
        "permit": {"type": "boolean"}, "permit_number": {"type": "string"}},
        "if": {"properties": {"country": {"const": "US"}}, "required": ["country"]},
        "then": {"required": ["zip"]}, "else": {"required": ["postcode"]},
        "dependentRequired": {"permit": ["permit_number"]}}
    assert validate_answers(schema, {"country": "US", "permit": True},
                            title_of=lambda p: None) == [
        FieldError("zip", "Enter an answer for “ZIP code”", "required"),
        FieldError("permit_number", "Enter an answer for “Permit number”", "required")]
    assert [e.path for e in validate_answers(schema, {"country": "FR"}, title_of=lambda p: None)] \
        == ["postcode"]


def test_explain_turns_one_jsonschema_error_into_words():
    schema = {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}}
    error = next(compiled_validator(schema).iter_errors({}))
    assert explain(error, title_of=lambda p: "Is it safe?", lang="zh", schema=schema) == \
        FieldError("ok", "请选择“Is it safe?”的答案", "required")
    assert explain(error, title_of=lambda p: None, lang="en").path == "ok"


# --- Compiling: cache, drafts, references ----------------------------------------------------


def test_equal_schemas_share_one_compiled_validator():
    schema = yaml.safe_load(POTHOLE.read_text("utf-8"))["schema"]
    first = compiled_validator(schema)
    assert compiled_validator(copy.deepcopy(schema)) is first
    assert compiled_validator(dict(reversed(list(schema.items())))) is first
    assert compiled_validator(schema, draft="7") is not first


def test_changing_the_callers_schema_later_does_not_change_a_compiled_validator():
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    validator = compiled_validator(schema)
    schema["properties"]["a"]["type"] = "integer"
    assert validator.is_valid({"a": "text"})


def test_an_invalid_schema_is_refused_once_when_compiled():
    with pytest.raises(jsonschema.SchemaError):
        compiled_validator({"type": "object", "properties": {"a": {"type": "text"}}})


def test_an_unknown_draft_is_refused_clearly():
    with pytest.raises(ValueError, match="not a JSON Schema draft"):
        compiled_validator({"$schema": "http://json-schema.org/draft-04/schema#"})
    with pytest.raises(ValueError, match="not a JSON Schema draft"):
        compiled_validator({"type": "object"}, draft="2017")


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test loudly."""
    def refuse(*args, **kwargs):
        raise AssertionError("validation tried to use the network")
    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"home": {"$ref": "https://example.com/address.json"}}},
    {"$id": "https://forms.example.gov/permit.json", "type": "object",
     "properties": {"home": {"$ref": "address.json#/$defs/street"}}},
    {"type": "object", "properties": {"items": {"type": "array", "items": {
        "$ref": "http://example.org/item-v2.json"}}}},
], ids=["absolute", "relative-to-$id", "nested"])
def test_a_remote_ref_is_refused_without_touching_the_network(schema, no_network):
    with pytest.raises(RemoteReferenceError, match=r"\$defs") as raised:
        compiled_validator(schema)
    assert raised.value.uri.endswith(".json")
    assert raised.value.uri in str(raised.value)
    with pytest.raises(RemoteReferenceError):
        validate_answers(schema, {}, title_of=lambda p: None)


def test_local_and_bundled_refs_resolve_offline(no_network):
    schema = {"$id": "https://forms.example.gov/permit.json", "type": "object",
              "properties": {"home": {"$ref": "#/$defs/address"},
                             "work": {"$ref": "https://forms.example.gov/address.json"}},
              "$defs": {"address": {"type": "object", "required": ["zip"],
                                    "properties": {"zip": {"type": "string"}}},
                        "bundled": {"$id": "https://forms.example.gov/address.json",
                                    "type": "object", "required": ["street"]}}}
    found = validate_answers(schema, {"home": {}, "work": {}}, title_of=lambda p: None)
    assert [e.path for e in found] == ["home.zip", "work.street"]


def test_a_ref_to_nothing_is_a_clear_schema_error():
    with pytest.raises(SchemaReferenceError, match="points at nothing"):
        compiled_validator({"type": "object", "properties": {"a": {"$ref": "#/$defs/gone"}}})


DRAFT7 = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "definitions": {"name": {"type": "string", "minLength": 2, "title": "Name"}},
    "properties": {
        "name": {"$ref": "#/definitions/name"},
        "card": {"type": "string", "title": "Card number"},
        "billing": {"type": "string", "title": "Billing address"},
        "point": {"type": "array", "title": "Point",
                  "items": [{"type": "number"}, {"type": "number"}], "additionalItems": False},
        "photo": {"type": "string", "format": "file", "contentMediaType": "image/jpeg"},
    },
    "dependencies": {"card": ["billing"], "name": {"required": ["point"]}},
}


def test_draft_7_schemas_validate_with_their_own_keywords():
    assert validate_answers(DRAFT7, {"name": "Al", "card": "4111", "point": [1, 2],
                                     "photo": "att_1"}, title_of=lambda p: None) == [
        FieldError("billing", "Enter an answer for “Billing address”", "required")]
    found = validate_answers(DRAFT7, {"name": "A", "point": ["x", 2, 3]}, title_of=lambda p: None)
    assert [(e.path, e.code) for e in found] == [("name", "minLength"), ("point", "type")]
    assert validate_answers(DRAFT7, {"name": "Ana"}, title_of=lambda p: None)[0].path == "point"


def test_draft_7_habits_or_the_draft_argument_choose_draft_7_without_schema_keyword():
    bare = {k: v for k, v in DRAFT7.items() if k != "$schema"}
    assert type(compiled_validator(bare)).META_SCHEMA["$id"].startswith(
        "http://json-schema.org/draft-07")
    plain = {"type": "object",
             "properties": {"p": {"type": "array", "items": [{"type": "string"}]}}}
    assert compiled_validator(plain, draft="http://json-schema.org/draft-07/schema#").is_valid(
        {"p": ["x", 1]})


def test_draft_2019_09_schemas_validate():
    schema = {"$schema": "https://json-schema.org/draft/2019-09/schema", "type": "object",
              "$defs": {"when": {"type": "string", "format": "date"}},
              "properties": {"start": {"$ref": "#/$defs/when", "title": "Start date"},
                             "end": {"$ref": "#/$defs/when", "title": "End date"}},
              "dependentRequired": {"start": ["end"]}, "unevaluatedProperties": False}
    found = validate_answers(schema, {"start": "2026-02-29", "other": 1}, title_of=lambda p: None)
    assert [(e.path, e.code) for e in found] == [
        ("", "unevaluatedProperties"), ("start", "format.date"), ("end", "required")]


def test_draft_2020_12_schemas_validate():
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "properties": {"point": {"type": "array", "title": "Point", "prefixItems": [
                  {"type": "number"}, {"type": "number"}], "items": False}}}
    assert validate_answers(schema, {"point": [1, 2]}, title_of=lambda p: None) == []
    assert validate_answers(schema, {"point": [1, "b"]}, title_of=lambda p: None) == [
        FieldError("point", "Your answer to “Point” must be a number", "type")]


def test_attachments_are_references_that_never_fail_format_checking():
    for draft in ("7", "2019-09", "2020-12"):
        schema = {"type": "object", "properties": {
            "photo": {"type": "string", "format": "file", "contentMediaType": "image/png"},
            "scan": {"type": "string", "format": "data-url"}}}
        assert compiled_validator(schema, draft=draft).is_valid(
            {"photo": "att_8f2c", "scan": "att_1"})


# --- Formats -----------------------------------------------------------------------------------

FORMATS = {
    "email": (["name@example.com", "ana.garcia+permits@ciudad.gob.mx", "josé@correo.es",
               "用户@例子.中国", "a@b.co"],
              ["name", "name@", "@example.com", "a@@b.com", "a b@example.com", "a@example",
               "a@exa mple.com", "a@example.com\n", "a@-bad.com", "a..b@example.com"]),
    "date": (["2026-03-27", "2024-02-29", "1999-12-31"],
             ["2026-02-30", "2023-02-29", "2026-3-27", "27/03/2026", "20260327", "2026-13-01",
              "2026-03-27T10:00"]),
    "time": (["14:30", "09:05:59", "23:59:60", "14:30Z", "14:30:00+02:00", "14:30:00.5"],
             ["24:00", "9:30", "14:60", "14:30:61", "14h30", "14:30+2"]),
    "date-time": (["2026-03-27T14:30", "2026-03-27T14:30:00Z", "2026-03-27 14:30:00-05:00",
                   "2026-03-27t14:30:00.123+01:00"],
                  ["2026-03-27", "2026-02-30T10:00", "2026-03-27T25:00", "2026-03-27X14:30",
                   "27/03/2026 14:30"]),
    "uri": (["https://www.example.com", "http://city.gov/path?q=1#x", "mailto:clerk@city.gov",
             "urn:isbn:0451450523", "ftp://files.city.gov/a.pdf"],
            ["www.example.com", "example.com/page", "https://", "http:///path",
             "https://exa mple.com", "mailto:nobody", "https://example.com:port", ""]),
    "tel": (["555-555-0123", "(555) 555-0123", "+1 555 555 0123", "555.555.0123",
             "+52 55 1234 5678", "5550123"],
            ["555-01", "call me", "+1 (555) 555-0123 ext 4", "1234567890123456", "++1 555 5550",
             "555_555_0123"]),
}


@pytest.mark.parametrize(("fmt", "value", "valid"), [
    (fmt, value, valid) for fmt, (good, bad) in FORMATS.items()
    for valid, values in ((True, good), (False, bad)) for value in values])
def test_format_checks(fmt, value, valid):
    assert format_checker.conforms(value, fmt) is valid


@pytest.mark.parametrize("fmt", ["file", "data-url", "email", "date", "tel", "uri"])
def test_formats_ignore_what_is_not_text(fmt):
    assert format_checker.conforms(12, fmt)


# --- Uploads -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "size"), [
    ("10 MB", 10_000_000), ("10MB", 10_000_000), ("1.5 mb", 1_500_000), ("500 KB", 500_000),
    ("2 GB", 2_000_000_000), ("1 MiB", 1_048_576), ("64 KiB", 65_536), ("1 GiB", 2**30),
    ("2048 bytes", 2048), ("1 byte", 1), ("4096", 4096), ("  3  B ", 3), (25, 25),
])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize(("text", "reason"), [
    ("10 MBs", "not a file size"), ("ten MB", "not a file size"), ("", "not a file size"),
    ("-1 MB", "not a file size"), ("10 TB", "not a file size"), ("0 MB", "more than 0"),
])
def test_parse_size_refuses_with_a_clear_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_size(text)


@pytest.mark.parametrize(("size", "lang", "shown"), [
    (10_000_000, "en", "10 MB"), (1_500_000, "es", "1,5 MB"), (1_048_576, "en", "1 MB"),
    (2_000_000_000, "zh", "2 GB"), (500_000, "en", "500 KB"), (1, "en", "1 byte"),
    (800, "es", "800 bytes"), (800, "zh", "800字节"),
])
def test_format_size(size, lang, shown):
    assert format_size(size, lang) == shown


def test_format_number_groups_only_large_numbers():
    assert [format_number(v, "en") for v in (1900, 12_500, 2.5, 0.01, 3.0)] == \
        ["1900", "12,500", "2.5", "0.01", "3"]
    assert [format_number(v, "es") for v in (1900, 12_500, 2.5)] == ["1900", "12.500", "2,5"]


UPLOAD_CASES = [
    ("type", dict(media_type="image/gif", size=1000, accepted=["image/jpeg", "image/png"]),
     "file_type", "The selected file for “Photo” must be a JPG or PNG",
     "El archivo seleccionado para “Foto” debe ser de tipo JPG o PNG",
     "为“照片”选择的文件必须是JPG或PNG格式"),
    ("type-an", dict(media_type="application/pdf", size=1000, accepted=["image/*"]),
     "file_type", "The selected file for “Photo” must be an image",
     "El archivo seleccionado para “Foto” debe ser de tipo imagen",
     "为“照片”选择的文件必须是图片格式"),
    ("type-three", dict(media_type="text/plain", size=1000,
                        accepted=["application/pdf", "image/jpeg", "image/png"]),
     "file_type", "The selected file for “Photo” must be a PDF, JPG, or PNG",
     "El archivo seleccionado para “Foto” debe ser de tipo PDF, JPG o PNG",
     "为“照片”选择的文件必须是PDF、JPG或PNG格式"),
    ("size", dict(media_type="image/png", size=12_000_000, accepted=["image/png"]),
     "file_size", "The selected file for “Photo” must be smaller than 10 MB",
     "El archivo seleccionado para “Foto” debe pesar menos de 10 MB",
     "为“照片”选择的文件必须小于10 MB"),
    ("empty", dict(media_type="", size=0, accepted=["image/png"]),
     "file_empty", "The selected file for “Photo” is empty",
     "El archivo seleccionado para “Foto” está vacío", "为“照片”选择的文件是空的"),
    ("refused", dict(media_type="text/html", size=100, accepted=[]),
     "file_type", "The selected file for “Photo” is not a type of file we can accept",
     "El archivo seleccionado para “Foto” es de un tipo que no podemos aceptar",
     "我们无法接受为“照片”选择的这类文件"),
]


@pytest.mark.parametrize("lang", ["en", "es", "zh"])
@pytest.mark.parametrize(("upload", "code", "en", "es", "zh"),
                         [case[1:] for case in UPLOAD_CASES],
                         ids=[case[0] for case in UPLOAD_CASES])
def test_upload_errors(upload, code, en, es, zh, lang):
    title = {"en": "Photo", "es": "Foto", "zh": "照片"}[lang]
    found = upload_errors(title, filename="pothole.gif", max_size=10_000_000, lang=lang,
                          **upload)
    assert found == [FieldError("", {"en": en, "es": es, "zh": zh}[lang], code)]


def test_a_file_too_large_to_read_is_judged_by_size_only():
    found = upload_errors("Photo", filename="big.jpg", media_type="", size=10_000_001,
                          accepted=["image/jpeg"], max_size=10_000_000, lang="en",
                          path="photo")
    assert [(e.path, e.code) for e in found] == [("photo", "file_size")]
    both = upload_errors("Photo", filename="big.gif", media_type="image/gif",
                         size=10_000_001, accepted=["image/jpeg"], max_size=10_000_000,
                         lang="en")
    assert [e.code for e in both] == ["file_size", "file_type"]


def test_a_good_upload_has_no_errors():
    assert upload_errors("Photo", filename="p.jpg", media_type="image/jpeg", size=2_000_000,
                         accepted=["image/jpeg", "image/png"], max_size=10_000_000,
                         lang="en") == []


@pytest.mark.parametrize(("accepted", "media_type", "ok"), [
    (["image/jpeg"], "image/jpeg", True), (["image/jpg"], "image/jpeg", True),
    (["image/*"], "image/png", True), (["image/*"], "image/svg+xml", False),
    (["*/*"], "application/pdf", True), ([], "application/pdf", True),
    ([], "application/x-executable", False), (["text/csv"], "text/plain", True),
    (["image/heic"], "image/heif", True), (["application/pdf"], "image/png", False),
    (["image/png"], "", False), (["image/png; q=1"], "image/png", True),
])
def test_accepted_type(accepted, media_type, ok):
    assert accepted_type(accepted, media_type) is ok


@pytest.mark.parametrize(("media_type", "lang", "name"), [
    ("image/jpeg", "en", "JPG"), ("application/pdf", "zh", "PDF"), ("image/*", "es", "imagen"),
    ("video/*", "zh", "视频"), ("application/x-foo", "en", "FOO"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "en", "DOCX"),
])
def test_media_type_name(media_type, lang, name):
    assert media_type_name(media_type, lang) == name


# --- after/before: dates in the future or the past (issue 11, point 15) -------------------------

def _dated(**limits: str):
    from schemas import load_definition

    return load_definition({"id": "dated", "title": "Dated", "schema": {
        "type": "object", "properties": {
            "day": {"type": "string", "format": "date", "title": "Event date", **limits}}}})


@pytest.mark.parametrize(("limits", "answer", "message"), [
    ({"after": "today"}, "2000-01-01", "The date for “Event date” must be in the future"),
    ({"before": "today"}, "2999-01-01", "The date for “Event date” must be in the past"),
    ({"after": "2027-01-31"}, "2027-01-31",
     "The date for “Event date” must be after January 31, 2027"),
    ({"before": "2027-01-31"}, "2027-02-01",
     "The date for “Event date” must be before January 31, 2027"),
])
def test_dates_in_the_future_or_the_past(limits, answer, message):
    form = _dated(**limits)
    (error,) = form.validate({"day": answer})
    assert (error.path, error.message) == ("day", message)
    assert form.validate({"day": "2999-01-01" if "after" in limits else "2000-01-01"}) == []


def test_date_limits_in_spanish():
    (error,) = _dated(after="today").validate({"day": "2000-01-01"}, "es")
    assert "futura" in error.message


@pytest.mark.parametrize(("limits", "words"), [
    ("after: tomorow", "`after: tomorow` is not a date. Write `after: today`"),
    ("before: 31/01/2027", "`before: 31/01/2027` is not a date"),
])
def test_checker_explains_a_wrong_date_limit(limits, words):
    from schemas import check_text

    text = ("id: a-form\ntitle: A\nschema:\n  type: object\n  properties:\n"
            f"    day: {{type: string, format: date, {limits}}}\n")
    (problem,) = check_text(text)
    assert problem.message.startswith("`day`: ") and words in problem.message
    assert problem.line == 6


def test_date_limit_on_a_question_that_is_not_a_date():
    from schemas import check_text

    text = ("id: a-form\ntitle: A\nschema:\n  type: object\n  properties:\n"
            "    day: {type: string, after: today}\n")
    (problem,) = check_text(text)
    assert "only works on a date question" in problem.message
