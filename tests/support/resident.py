"""A resident who fills in any formbuilder form the way a person does.

Two halves:

- :func:`plan_answers` decides what a plausible resident answers, from the form model only:
  text that satisfies its ``format``, ``pattern`` and lengths, numbers within their bounds,
  a choice for each choice question, a tiny valid PNG or PDF for each upload, one item per
  repeating group. Controlling questions are answered so that as many conditional questions
  and pages as possible apply (``reveal_most``), so a journey walks through them.
- :class:`Resident` types those answers into the browser **by what the page shows**: labels,
  legends, radio and checkbox names, button names, in the language being tested. The model
  only says which questions exist, their titles and their choice labels; widgets are chosen
  by FORMAT.md's rules, never read from the renderer.

:func:`submit_with_client` sends the same kind of answers through the Flask test client
(posting each page as the browser would), for when a browser is too slow (the corpus).
"""

from __future__ import annotations

import io
import re
import re._constants as sre_constants
import re._parser as sre_parse
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from schemas.fields import Field
from schemas.flow import active_pages, applicable_answers, branch_rule, resolve, visible_at
from schemas.i18n import gettext
from schemas.model import Form

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

MISSING: Any = object()

# --- Files ------------------------------------------------------------------------------------


def png_bytes() -> bytes:
    """A valid 1x1 PNG, built chunk by chunk with real CRCs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xd0\x70\x20")  # filter byte, one orange pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + \
        chunk(b"IEND", b"")


def pdf_bytes() -> bytes:
    """A valid one-page PDF with a correct cross-reference table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, start)
    return bytes(out)


@dataclass(frozen=True)
class Upload:
    """A file a resident picks: its name, type and bytes."""

    name: str
    media_type: str
    data: bytes = field(repr=False)

    def for_playwright(self) -> dict[str, Any]:
        return {"name": self.name, "mimeType": self.media_type, "buffer": self.data}


def upload_for(schema: Mapping[str, Any], stem: str) -> Upload:
    """A tiny real file of a type the question accepts (PNG if any image will do, else PDF)."""
    declared = schema.get("contentMediaType")
    types = [t.strip().lower() for t in declared.split(",")] if isinstance(declared, str) else []
    stem = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "file"
    if not types or {"image/png", "image/*", "*/*"} & set(types):
        return Upload(f"{stem}.png", "image/png", png_bytes())
    if "application/pdf" in types:
        return Upload(f"{stem}.pdf", "application/pdf", pdf_bytes())
    return Upload(f"{stem}.png", "image/png", png_bytes())


# --- Plausible values --------------------------------------------------------------------------

#: The patterns of the example forms, with what a resident would type.
PATTERN_EXAMPLES = {
    "^[0-9]{5}(-[0-9]{4})?$": "62704",
    "^[0-9]{3}-[0-9]{3}-[0-9]{3}$": "123-456-789",
    "^[A-Z]{0,3}[0-9]{4,10}$": "CBC1234567",
    "^BL-[0-9]{6}$": "BL-004217",
    "^[0-9A-Fa-f]{9,15}$": "985112003456789",
    "^[A-Z]{2}$": "IL",
    "^[A-Z0-9][A-Z0-9 -]{0,7}$": "7ABC123",
}

#: Plain text by the question's name (first match of a fragment of the last key).
TEXT_BY_NAME = (
    ("business_name", "Oak Street Bakery"),
    ("company", "Oak Street Builders"),
    ("organization", "Oak Street Neighbors"),
    ("event_name", "Oak Street Summer Fair"),
    ("landlord", "Maria Lopez"),
    ("zip", "62704"),
    ("postal", "62704"),
    ("street", "120 Oak Street"),
    ("address", "120 Oak Street"),
    ("location", "Main Street and 3rd Avenue"),
    ("city", "Springfield"),
    ("state", "IL"),
    ("unit", "Apt 2"),
    ("breed", "Labrador retriever"),
    ("color", "Black and white"),
    ("make", "Toyota"),
    ("model", "Corolla"),
    ("clinic", "Springfield Animal Hospital"),
    ("license", "LIC-2024-0042"),
    ("name", "Ana García"),
)
PARAGRAPH = ("We would like the city to look at this soon. It has been like this for a few "
             "weeks and neighbors have asked about it too.")
TEXT_BY_FORMAT = {
    "email": "ana.garcia@example.org",
    "idn-email": "ana.garcia@example.org",
    "tel": "217-555-0142",
    "uri": "https://www.example.org/",
    "iri": "https://www.example.org/",
    "uri-reference": "https://www.example.org/",
    "hostname": "example.org",
    "ipv4": "192.0.2.10",
    "ipv6": "2001:db8::10",
    "uuid": "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "regex": "^[a-z]+$",
}
NUMBER_BY_NAME = {
    "year": 2019, "valuation": 25000, "gross_receipts": 184250.75, "attendees": 250,
    "households_on_block": 24, "households_signed": 18, "expected_guests": 60,
    "square_feet": 192, "employees": 4, "residents": 3, "fee_limit": 50, "age": 34,
}


def example_for_pattern(pattern: str) -> str | None:
    """A short string matching ``pattern``: the examples' table, else built from the regex."""
    if pattern in PATTERN_EXAMPLES:
        return PATTERN_EXAMPLES[pattern]
    try:
        text = _generate(sre_parse.parse(pattern))
        return text if re.search(pattern, text) else None
    except (re.error, ValueError, RecursionError):
        return None


def _generate(items: Iterable[tuple[Any, Any]]) -> str:
    """The simplest string a parsed regex matches (first branch, fewest repeats, at least 1)."""
    c = sre_constants
    out = []
    for op, arg in items:
        if op is c.LITERAL:
            out.append(chr(arg))
        elif op is c.NOT_LITERAL:
            out.append("b" if chr(arg) == "a" else "a")
        elif op is c.ANY:
            out.append("a")
        elif op is c.IN:
            out.append(_pick(arg))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            low, high, sub = arg
            out.append(_generate(sub) * min(max(low, 1), high))
        elif op is c.SUBPATTERN:
            out.append(_generate(arg[-1]))
        elif op is getattr(c, "ATOMIC_GROUP", None):
            out.append(_generate(arg))
        elif op is c.BRANCH:
            out.append(_generate(arg[1][0]))
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT, c.GROUPREF):
            continue
        else:
            raise ValueError(f"cannot generate {op}")
    return "".join(out)


def _pick(items: list[tuple[Any, Any]]) -> str:
    c = sre_constants
    if items and items[0][0] is c.NEGATE:
        excluded = items[1:]
        for candidate in "a1A-_ .":
            if not any(_in_set(candidate, op, arg) for op, arg in excluded):
                return candidate
        raise ValueError("no character outside the set")
    op, arg = items[0]
    if op is c.LITERAL:
        return chr(arg)
    if op is c.RANGE:
        return chr(arg[0])
    if op is c.CATEGORY:
        return {c.CATEGORY_DIGIT: "1", c.CATEGORY_WORD: "a", c.CATEGORY_SPACE: " ",
                c.CATEGORY_NOT_DIGIT: "a", c.CATEGORY_NOT_WORD: "-",
                c.CATEGORY_NOT_SPACE: "a"}.get(arg, "a")
    raise ValueError(f"cannot pick from {op}")


def _in_set(char: str, op: Any, arg: Any) -> bool:
    c = sre_constants
    if op is c.LITERAL:
        return char == chr(arg)
    if op is c.RANGE:
        return arg[0] <= ord(char) <= arg[1]
    if op is c.CATEGORY:
        return bool(re.match({c.CATEGORY_DIGIT: r"\d", c.CATEGORY_WORD: r"\w",
                              c.CATEGORY_SPACE: r"\s"}.get(arg, r"(?!)"), char))
    return False


def _fit(text: str, schema: Mapping[str, Any]) -> str:
    """``text`` cut to ``maxLength`` and padded to ``minLength``."""
    low = schema.get("minLength") if isinstance(schema.get("minLength"), int) else 0
    high = schema.get("maxLength") if isinstance(schema.get("maxLength"), int) else None
    while len(text) < low:
        text = f"{text} {PARAGRAPH}".strip()
    if high is not None:
        text = text[:high].rstrip() or text[:high]
    return text


def text_for(name: str, schema: Mapping[str, Any], *, long: bool = False) -> str:
    """What a resident types for a text question called ``name``."""
    fmt = schema.get("format")
    key = name.lower()
    if fmt == "date":
        return "2027-06-20" if any(w in key for w in ("end", "expire", "_to")) else "2027-06-12"
    if fmt == "time":
        return "18:00" if "end" in key else "10:30"
    if fmt == "date-time":
        return "2027-06-12T18:00" if "end" in key else "2027-06-12T09:30"
    if isinstance(fmt, str) and fmt in TEXT_BY_FORMAT:
        return TEXT_BY_FORMAT[fmt]
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        found = example_for_pattern(pattern)
        if found is not None:
            return found
    if schema.get("enum"):
        return str(schema["enum"][0])
    if "const" in schema:
        return str(schema["const"])
    for keyword in ("anyOf", "oneOf"):
        for alternative in schema.get(keyword) or ():
            if isinstance(alternative, Mapping) and (alternative.get("enum") or
                                                     "const" in alternative):
                return str(alternative["enum"][0] if alternative.get("enum")
                           else alternative["const"])
    if long:
        return _fit(PARAGRAPH, schema)
    text = next((value for fragment, value in TEXT_BY_NAME if fragment in key), "Example answer")
    return _fit(text, schema)


def number_for(name: str, schema: Mapping[str, Any], *, integer: bool) -> int | float:
    """A number within ``minimum``/``maximum`` (and the exclusive ones) and a ``multipleOf``."""
    step = schema.get("multipleOf") if isinstance(schema.get("multipleOf"), int | float) else None
    value = Decimal(str(NUMBER_BY_NAME.get(name.lower(), 2 if integer else 12.5)))
    low = high = None
    if isinstance(schema.get("minimum"), int | float):
        low = Decimal(str(schema["minimum"]))
    if isinstance(schema.get("exclusiveMinimum"), int | float):
        low = Decimal(str(schema["exclusiveMinimum"])) + Decimal(str(step or 1))
    if isinstance(schema.get("maximum"), int | float):
        high = Decimal(str(schema["maximum"]))
    if isinstance(schema.get("exclusiveMaximum"), int | float):
        high = Decimal(str(schema["exclusiveMaximum"])) - Decimal(str(step or 1))
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    if step:
        unit = Decimal(str(step))
        value = (value / unit).to_integral_value() * unit
        if low is not None and value < low:
            value += unit
        if high is not None and value > high:
            value -= unit
    if integer or value == value.to_integral_value():
        return int(value)
    return float(value)


# --- Widgets, as FORMAT.md draws them --------------------------------------------------------

RADIO_LIMIT = 6


def is_fixed(question: Field) -> bool:
    """``readOnly`` or ``const``: shown filled and fixed, not asked."""
    return question.schema.get("readOnly") is True or (
        "const" in question.schema and question.kind not in ("group", "repeat"))


def widget(question: Field) -> str:
    """How FORMAT.md says a question is drawn (its ``schema`` table, then ``ui.widget``).

    Written from FORMAT.md on purpose, not taken from ``renderers.html.questions.widget_of``:
    the journeys check the renderer's choice against this one, so it must not be the same code.
    """
    hint = question.ui.get("widget")
    if hint == "hidden":
        return "hidden"
    if is_fixed(question):
        return "fixed"
    if question.kind == "boolean":
        return "checkbox" if hint == "checkbox" else "yesno"
    if question.kind == "choice":
        if hint in ("radio", "select"):
            return "radios" if hint == "radio" else "select"
        return "radios" if len(question.choices) <= RADIO_LIMIT else "select"
    if question.kind == "multichoice":
        return "checkboxes"
    if question.kind in ("group", "repeat", "list", "tuple", "file", "files", "textarea"):
        return question.kind
    return "text"


def min_items(question: Field) -> int:
    low = question.schema.get("minItems")
    return low if isinstance(low, int) and not isinstance(low, bool) and low > 0 else 0


def max_items(question: Field) -> int:
    high = question.schema.get("maxItems")
    return min(high, 100) if isinstance(high, int) and not isinstance(high, bool) else 100


# --- The answers a resident gives ---------------------------------------------------------------


def plan_answers(form: Form, *, minimal: bool = False,
                 avoid: Callable[[Mapping[str, Any]], list[Any]] | None = None
                 ) -> dict[str, Any]:
    """Typed answers for ``form``: every question (or, ``minimal``, only the required ones,
    plus whatever validation then still asks for), with controlling questions answered to
    reveal as many conditional questions and pages as possible; with ``avoid``, first to
    make as few of the things it lists for the answers as possible."""
    full = _answers_for(form, None, minimal=False)
    reveal_most(form, full, avoid)
    if not minimal:
        return full
    answers = _answers_for(form, None, minimal=True)
    for path in _controllers(form):
        found = _get(full, path)
        if found is not MISSING and _get(answers, path) is not MISSING:
            _set(answers, path, deepcopy(found))
    complete_from(form, answers, full)
    return prune(form, answers)


def _included(question: Field, minimal: bool) -> bool:
    if widget(question) in ("fixed", "hidden"):
        return False
    return not minimal or question.required or min_items(question) > 0


def _answers_for(form: Form, parent: str | None, *, minimal: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for question in form.fields.values():
        if question.parent == parent and _included(question, minimal):
            value = value_for(form, question, minimal=minimal)
            if value is not MISSING:
                out[question.name] = value
    return out


def value_for(form: Form, question: Field, *, minimal: bool = False) -> Any:
    """What a resident answers to one question (a dict for a group, a list for lists)."""
    kind, schema, name = question.kind, question.schema, question.name
    if kind == "group":
        return _answers_for(form, question.path, minimal=minimal)
    if kind == "repeat":
        item = _answers_for(form, question.path, minimal=minimal)
        return [deepcopy(item) for _ in range(min(max(min_items(question), 1),
                                                  max_items(question)))]
    if kind in ("list", "tuple"):
        return _list_value(form, question)
    if kind == "file":
        return upload_for(schema, name)
    if kind == "files":
        items = resolve(form, schema.get("items"))
        upload = upload_for(items if isinstance(items, Mapping) else {}, name)
        return [upload] * min(max(min_items(question), 1), max_items(question))
    if kind == "multichoice":
        values = [c.value for c in question.choices]
        return values[:max(min_items(question), 1)] if values else MISSING
    if kind == "choice":
        values = [c.value for c in question.choices if c.value is not None]
        return values[0] if values else MISSING
    if kind == "boolean":
        return True
    if kind in ("number", "integer"):
        return number_for(name, schema, integer=kind == "integer")
    return text_for(name, schema, long=kind == "textarea")


def _list_value(form: Form, question: Field) -> Any:
    schema = question.schema
    if question.kind == "tuple":
        positions = schema.get("prefixItems") or schema.get("items") or []
        return [_scalar(form, question.name, p) for p in positions]
    count = min(max(min_items(question), 1), max_items(question))
    return [_scalar(form, question.name, schema.get("items"))] * count


def _scalar(form: Form, name: str, schema: Any) -> Any:
    body = resolve(form, schema)
    body = body if isinstance(body, Mapping) else {}
    kinds = body.get("type")
    kind = kinds[0] if isinstance(kinds, list) and kinds else kinds
    if body.get("enum"):
        return body["enum"][0]
    if kind in ("integer", "number"):
        return number_for(name, body, integer=kind == "integer")
    if kind == "boolean":
        return True
    return text_for(name, body)


def _controllers(form: Form) -> list[str]:
    """Questions (outside repeating groups) whose answer can change what is asked."""
    return [path for path, q in form.fields.items()
            if not q.in_repeat and q.kind in ("choice", "boolean", "multichoice")]


def _candidates(question: Field) -> list[Any]:
    if question.kind == "boolean":
        return [True, False]
    values = [c.value for c in question.choices]
    if question.kind == "multichoice":
        return [[v] for v in values] + ([values] if len(values) > 1 else [])
    return values


def _leaves(value: Any) -> int:
    if isinstance(value, Mapping):
        return sum(_leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(_leaves(v) for v in value) or 1
    return 1


def reveal_most(form: Form, answers: dict[str, Any],
                avoid: Callable[[Mapping[str, Any]], list[Any]] | None = None) -> None:
    """Answer each controlling question with the choice that makes the most questions apply
    (after the fewest things ``avoid`` lists; earlier choices win ties); greedy, in form
    order."""

    def score() -> tuple[int, int, int]:
        unwanted = len(avoid(answers)) if avoid is not None else 0
        return -unwanted, -len(problems(form, answers)), \
            _leaves(applicable_answers(form, answers))

    for path in _controllers(form):
        if _get(answers, path) is MISSING:
            continue
        question = form.fields[path]
        best, best_score = _get(answers, path), score()
        for candidate in _candidates(question):
            _set(answers, path, candidate)
            current = score()
            if current > best_score:
                best, best_score = candidate, current
        _set(answers, path, best)


def _as_stored(value: Any) -> Any:
    """Answers as the app stores them: an upload becomes an attachment id."""
    if isinstance(value, Upload):
        return "att_planned"
    if isinstance(value, Mapping):
        return {k: _as_stored(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_stored(v) for v in value]
    return value


def problems(form: Form, answers: Mapping[str, Any]) -> list[Any]:
    """What validation says about the answers that apply (uploads taken as stored)."""
    return form.validate(applicable_answers(form, _as_stored(answers)))


def prune(form: Form, answers: dict[str, Any]) -> dict[str, Any]:
    """While validation still refuses the answers, leave out any one answer whose absence
    makes fewer problems (``oneOf`` alternatives answered together, say)."""
    current = len(problems(form, answers))
    changed = True
    while current and changed:
        changed = False
        for key in list(answers):
            trial = {k: v for k, v in answers.items() if k != key}
            count = len(problems(form, trial))
            if count < current:
                answers.pop(key)
                current, changed = count, True
                break
    return answers


def complete_from(form: Form, answers: dict[str, Any], full: Mapping[str, Any]) -> dict[str, Any]:
    """Add answers from ``full`` for every question validation still asks for."""
    for _ in range(8):
        errors = problems(form, answers)
        added = False
        for error in errors:
            path = re.sub(r"\.[0-9]+(?=\.|$)", "", error.path)
            indexed = error.path
            while path and path not in form.fields:
                path, indexed = path.rpartition(".")[0], indexed.rpartition(".")[0]
            if not path or _get_indexed(answers, indexed) is not MISSING:
                continue
            value = _get_indexed(full, indexed)
            if value is not MISSING:
                _set_indexed(answers, indexed, deepcopy(value))
                added = True
        if not added:
            break
    return answers


def _get(answers: Mapping[str, Any], path: str) -> Any:
    node: Any = answers
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return MISSING
        node = node[key]
    return node


def _set(answers: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = answers
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value


def _get_indexed(answers: Any, path: str) -> Any:
    node = answers
    for key in path.split("."):
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, Mapping) and key in node:
            node = node[key]
        else:
            return MISSING
    return node


def _set_indexed(answers: Any, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = answers
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def expected_pages(form: Form, answers: Mapping[str, Any]) -> list[int]:
    """The pages the app should ask, in order, for these answers."""
    return active_pages(form, applicable_answers(form, answers))


def controllers_of(form: Form, question: Field) -> set[str]:
    """The names, at the question's level, of the answers that decide whether it is asked."""
    rule = branch_rule(form, question) or ()
    return {test.path[0] for chain in rule for clause in chain for test in clause.tests or ()}


def _holds_with_no_answers(form: Form, question: Field) -> bool:
    """Whether the question's condition holds when none of its deciding questions has an
    answer (a test then holds unless its answer is required), as a browser script that sees
    none of them judges it."""
    rule = branch_rule(form, question)
    if rule is None:
        return True

    def clause_holds(clause: Any) -> bool:
        if clause.tests is None:
            return True
        every = all(not test.required for test in clause.tests)
        return not every if clause.negate else every

    return any(all(clause_holds(clause) for clause in chain) for chain in rule)


def decided_on_other_pages(form: Form, answers: Mapping[str, Any]) -> list[str]:
    """Conditional questions that apply to ``answers`` although everything deciding them was
    answered on earlier pages (``dog.spayed_neutered`` asks for a certificate on the next
    page), and whose condition fails without those answers: a script that judges the
    condition from the page's own inputs hides them."""
    found = []
    applicable = applicable_answers(form, answers)
    for index in active_pages(form, applicable):
        names = set(form.pages[index].fields)
        for name in form.pages[index].fields:
            question = form.fields.get(name)
            if question is None or not visible_at(form, name, applicable):
                continue
            deciding = controllers_of(form, question)
            if deciding and not deciding & names and not _holds_with_no_answers(form, question):
                found.append(name)
    return found


# --- Posting answers the way the browser does (Flask test client) ------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_KEY = re.compile(r'name="key" value="([^"]+)"')
_SUMMARY_ITEM = re.compile(r'<ul class="error-summary__list">(.*?)</ul>', re.S)
_TAG = re.compile(r"<[^>]+>")
_PAGE_URL = re.compile(r"/forms/[^/]+/([0-9]+)(?:\?|$)")
REFERENCE = r"[A-Z]{1,6}-[0-9]{4}-[0-9]{6}"


class HiddenQuestion(AssertionError):
    """A question that applies, and that the resident must answer, is not shown."""


class SubmissionFailed(AssertionError):
    """The app did not accept the answers; says where and why, in the app's words."""


def _choice_key(value: Any) -> str:
    from renderers.html.values import choice_key

    return choice_key(value)


def _number_text(value: Any) -> str:
    from renderers.html.values import number_text

    return number_text(value)


def post_items(form: Form, question: Field, path: str, value: Any) -> list[tuple[str, Any]]:
    """The (name, value) pairs a browser posts for ``value``; files as ``Upload``."""
    kind = question.kind
    if value is MISSING or widget(question) in ("fixed", "hidden"):
        return []
    if kind == "group":
        return [pair for child in form.children(question.path) if child.name in value
                for pair in post_items(form, child, f"{path}.{child.name}", value[child.name])]
    if kind == "repeat":
        pairs: list[tuple[str, Any]] = []
        for index, item in enumerate(value):
            pairs.append((f"{path}.{index}", ""))
            for child in form.children(question.path):
                if child.name in item:
                    pairs += post_items(form, child, f"{path}.{index}.{child.name}",
                                        item[child.name])
        return pairs
    if kind in ("list", "tuple"):
        return [(f"{path}.{index}", _scalar_text(v)) for index, v in enumerate(value)]
    if kind == "files":
        return [(path, upload) for upload in value]
    if kind == "file":
        return [(path, value)]
    if kind == "multichoice":
        return [(path, _choice_key(v)) for v in value]
    if kind == "boolean":
        if widget(question) == "checkbox":
            return [(path, "yes")] if value else []
        return [(path, "yes" if value else "no")]
    if kind == "choice":
        return [(path, _choice_key(value))]
    return [(path, _scalar_text(value))]


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return _number_text(value)
    return str(value)


def page_errors(html: str) -> list[str]:
    """The messages of a page's error summary, as plain text."""
    found = _SUMMARY_ITEM.search(html)
    if not found:
        return []
    items = re.findall(r"<li>(.*?)</li>", found.group(1), re.S)
    return [" ".join(_TAG.sub("", item).split()) for item in items]


def submit_with_client(client: Any, form: Form, answers: Mapping[str, Any]) -> str:
    """Answer every page the app asks with ``answers`` through a Flask test client, send the
    form, and return the reference; :class:`SubmissionFailed` says which page refused what."""
    from werkzeug.datastructures import MultiDict

    applicable = applicable_answers(form, answers)
    url = f"/forms/{form.id}"
    for _ in range(len(form.pages) + 1):
        response = client.get(url)
        html = response.get_data(as_text=True)
        if response.status_code != 200:
            raise SubmissionFailed(f"GET {url} answered {response.status_code}")
        number = _PAGE_URL.search(url)
        index = int(number.group(1)) - 1 if number else expected_pages(form, answers)[0]
        csrf = _CSRF.search(html)
        if csrf is None:
            raise SubmissionFailed(f"{url} has no CSRF token")
        data: list[tuple[str, Any]] = [("csrf_token", csrf.group(1))]
        for name in form.pages[index].fields:
            question = form.fields.get(name)
            if question is not None and name in applicable:
                data += post_items(form, question, name, applicable[name])
        posted = MultiDict([(key, (io.BytesIO(v.data), v.name, v.media_type))
                            if isinstance(v, Upload) else (key, v) for key, v in data])
        target = f"/forms/{form.id}/{index + 1}"
        response = client.post(target, data=posted, content_type="multipart/form-data")
        if response.status_code != 302:
            shown = page_errors(response.get_data(as_text=True))
            title = form.pages[index].title.get(form.default_language)
            raise SubmissionFailed(
                f"page {index + 1} ({title!r}) answered {response.status_code}: "
                f"{shown or response.get_data(as_text=True)[:500]}")
        url = response.headers["Location"]
        if url.endswith("/check"):
            break
    else:
        raise SubmissionFailed("the pages never led to “Check your answers”")
    response = client.get(url)
    html = response.get_data(as_text=True)
    key, csrf = _KEY.search(html), _CSRF.search(html)
    if key is None or csrf is None:
        raise SubmissionFailed(f"“Check your answers” offers no Send button: {page_errors(html)}")
    response = client.post(f"/forms/{form.id}/submit",
                           data={"csrf_token": csrf.group(1), "key": key.group(1)})
    location = response.headers.get("Location", "")
    found = re.search(rf"/done/({REFERENCE})$", location)
    if response.status_code != 302 or not found:
        raise SubmissionFailed(f"sending answered {response.status_code} -> {location!r}")
    return found.group(1)


# --- The resident in the browser ------------------------------------------------------------------


def name_pattern(text: str, lang: str) -> re.Pattern[str]:
    """An accessible name that is ``text``, maybe followed by the "(optional)" marker."""
    optional = re.escape(gettext(lang, "(optional)"))
    return re.compile(rf"^\s*{re.escape(text.strip())}(?:\s*{optional})?\s*$")


def template_pattern(template: str, **fields: str) -> re.Pattern[str]:
    """A translated message with ``%(name)s`` placeholders as a regex (``.+`` for those not
    given)."""
    parts = re.split(r"(%\(\w+\)s)", template)
    out = []
    for part in parts:
        placeholder = re.fullmatch(r"%\((\w+)\)s", part)
        if placeholder:
            given = fields.get(placeholder.group(1))
            out.append(re.escape(given) if given is not None else ".+")
        else:
            out.append(re.escape(part))
    return re.compile("^" + "".join(out) + "$")


@dataclass
class Journey:
    """What happened: the pages asked (indexes), the pages audited, the reference."""

    pages: list[int] = field(default_factory=list)
    audited: list[str] = field(default_factory=list)
    revealed: list[str] = field(default_factory=list)
    added_and_removed: str | None = None
    changed: str | None = None
    reference: str | None = None


class Resident:
    """A person with a phone filling in ``form`` in ``lang``, by what the page shows.

    ``audit(page)`` is called on every page the resident sees (the tests pass
    ``axe.assert_accessible``); ``exercise_lists`` presses "Add another" then "Remove" once in
    the first repeating group met.
    """

    def __init__(self, page: Page, base_url: str, form: Form, lang: str,
                 answers: Mapping[str, Any], *, audit: Callable[[Page], Any],
                 javascript: bool, exercise_lists: bool = True) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.form = form
        self.lang = lang
        self.answers = applicable_answers(form, answers)
        self.audit_page = audit
        self.javascript = javascript
        self.exercise_lists = exercise_lists
        self.journey = Journey()
        self._hidden_before: set[str] = set()

    # words on the page
    def _(self, message: str, **params: Any) -> str:
        return gettext(self.lang, message, **params)

    def title(self, question: Field) -> str:
        return question.title.get(self.lang)

    def named(self, question: Field) -> re.Pattern[str]:
        return name_pattern(self.title(question), self.lang)

    # moving around
    def audit(self) -> None:
        from playwright.sync_api import expect

        self.audit_page(self.page)
        expect(self.page.locator("html")).to_have_attribute("lang", self.lang)
        self.journey.audited.append(self.page.url)

    def press(self, control: Locator) -> None:
        """Click a control that loads a new page, and wait until it has loaded."""
        with self.page.expect_navigation(wait_until="load"):
            control.click()

    def button(self, name: str | re.Pattern[str], scope: Locator | None = None) -> Locator:
        where = scope if scope is not None else self.page.get_by_role("main")
        return where.get_by_role("button", name=name, exact=True) if isinstance(name, str) \
            else where.get_by_role("button", name=name)

    def open(self, path: str | None = None) -> None:
        """Open the form's first page (or ``path``) in the resident's language."""
        self.page.goto(f"{self.base_url}{path or f'/forms/{self.form.id}'}?lang={self.lang}")
        self.audit()

    def current_page(self) -> int:
        found = re.search(rf"/forms/{re.escape(self.form.id)}/([0-9]+)(?:[?#]|$)", self.page.url)
        if found:
            return int(found.group(1)) - 1
        return expected_pages(self.form, {})[0]

    def errors_shown(self) -> list[str]:
        summary = self.page.locator("[data-error-summary]")
        if summary.count() == 0:
            return []
        return [" ".join(t.split()) for t in summary.get_by_role("listitem").all_inner_texts()]

    # the whole visit
    def complete(self, *, open_form: bool = True) -> str:
        """Answer every page asked, check the answers (changing one), send; the reference.
        ``open_form=False`` when the resident is already on the form's first page."""
        from playwright.sync_api import expect

        if open_form:
            self.open()
        for _ in range(len(self.form.pages)):
            index = self.current_page()
            self.journey.pages.append(index)
            page_title = self.form.pages[index].title.get(self.lang) or \
                self.form.title.get(self.lang)
            expect(self.page.get_by_role("heading", level=1)).to_have_text(page_title)
            self.answer_page(index)
            self.press(self.button(self._("Continue")))
            self.audit()
            problems = self.errors_shown()
            assert not problems, (
                f"page {index + 1} ({page_title!r}) refused the answers: {problems}\n"
                f"answers: {self.answers}")
            if self.page.url.split("?")[0].endswith("/check"):
                break
        else:
            raise AssertionError(f"never reached “Check your answers”: {self.journey.pages}")
        expected = expected_pages(self.form, self.answers)
        assert self.journey.pages == expected, (
            f"the app asked pages {[p + 1 for p in self.journey.pages]}, "
            f"the form says {[p + 1 for p in expected]}")
        self.check_answers()
        return self.send()

    def check_answers(self) -> None:
        """On "Check your answers": the answers typed are listed; change one and come back."""
        from playwright.sync_api import expect

        main = self.page.get_by_role("main")
        expect(self.page.get_by_role("heading", level=1)).to_have_text(
            self._("Check your answers before sending"))
        typed = [(q, v) for q, v in self._flat_answers() if q.kind in ("text", "textarea")
                 and not q.format and isinstance(v, str)]
        for _question, value in typed:
            expect(main).to_contain_text(value)
        changeable = [(q, v) for q, v in typed if q.kind == "text" and "pattern" not in q.schema
                      and not q.in_repeat]
        if not changeable:
            changeable = [(q, v) for q, v in self._flat_answers()
                          if q.kind == "text" and not q.in_repeat]
        if not changeable:
            return
        question, value = changeable[0]
        link = main.get_by_role("link", name=f"{self._('Change')} {self.title(question)}",
                                exact=True)
        self.press(link)
        self.audit()
        box = self.page.get_by_label(self.named(question))
        expect(box).to_have_value(value)
        new_value = value
        if "pattern" not in question.schema and not question.format:
            high = question.schema.get("maxLength")
            new_value = _fit(value[: (high or 200) - 2].rstrip() + " B", question.schema)
            box.fill(new_value)
            _set(self.answers, question.path, new_value)
        # Back on "Check your answers" (audited above: same address, same answer code)
        self.press(self.button(self._("Continue")))
        assert self.page.url.split("?")[0].endswith("/check"), self.page.url
        expect(main).to_contain_text(new_value)
        self.journey.changed = question.path

    def send(self) -> str:
        from playwright.sync_api import expect

        self.press(self.button(self._("Send form")))
        self.audit()
        main = self.page.get_by_role("main")
        expect(self.page.get_by_role("heading", level=1)).to_have_text(self._("Form sent"))
        expect(main).to_contain_text(self._("Your reference number"))
        pattern = rf"\b{re.escape(self.form.reference_prefix)}-[0-9]{{4}}-[0-9]{{6}}\b"
        found = re.search(pattern, main.inner_text())
        assert found, f"no reference like {self.form.reference_prefix}-YYYY-NNNNNN shown"
        self.journey.reference = found.group(0)
        return found.group(0)

    def _flat_answers(self) -> list[tuple[Field, Any]]:
        out: list[tuple[Field, Any]] = []

        def walk(parent: str | None, values: Mapping[str, Any]) -> None:
            for question in self.form.fields.values():
                if question.parent != parent or question.name not in values:
                    continue
                value = values[question.name]
                if question.kind == "group" and isinstance(value, Mapping):
                    walk(question.path, value)
                elif question.kind == "repeat" and isinstance(value, list):
                    for item in value:
                        walk(question.path, item)
                else:
                    out.append((question, value))

        walk(None, self.answers)
        return out

    # one page
    def answer_page(self, index: int) -> None:
        main = self.page.get_by_role("main")
        names = [n for n in self.form.pages[index].fields if n in self.form.fields]
        self._hidden_before = set()
        if self.javascript:  # what the page's script hides before anything is answered
            for name in names:
                question = self.form.fields[name]
                if branch_rule(self.form, question) is not None and \
                        self.control(question, main).is_hidden():
                    self._hidden_before.add(name)
        for name in self._asking_order(names):
            question = self.form.fields[name]
            self.answer(question, name, main, self.answers)

    def _asking_order(self, names: list[str], group: str | None = None) -> list[str]:
        """Questions (``names`` of a page, or of ``group``) in an order where the questions that
        decide whether another is asked come before it."""
        prefix = f"{group}." if group else ""
        pending, done, order = list(names), set(), []
        while pending:
            for name in pending:
                needs = controllers_of(self.form, self.form.fields[prefix + name]) & set(names)
                if not (needs - done - {name}):
                    break
            else:
                name = pending[0]
            pending.remove(name)
            done.add(name)
            order.append(name)
        return order

    def answer(self, question: Field, path: str, scope: Locator, parent: Mapping[str, Any]
               ) -> None:
        """Answer one question (found inside ``scope``) with the planned value."""
        from playwright.sync_api import expect

        kind = widget(question)
        if kind == "hidden":
            return
        control = self.control(question, scope)
        applies = visible_at(self.form, path, self.answers)
        conditional = branch_rule(self.form, question) is not None
        if conditional and not applies:
            if self.javascript:
                expect(control).to_be_hidden()
            else:
                expect(control).to_be_visible()
            return
        if conditional:
            try:
                expect(control).to_be_visible()
            except AssertionError as error:
                raise HiddenQuestion(
                    f"“{self.title(question)}” ({path}) applies to these answers but is not "
                    f"shown on {self.page.url}") from error
            if path in self._hidden_before:
                self.journey.revealed.append(path)
        if kind == "fixed":
            expect(control).to_be_visible()
            expect(control).not_to_be_editable()
            return
        value = parent.get(question.name, MISSING) if isinstance(parent, Mapping) else MISSING
        if value is MISSING:
            return
        getattr(self, f"_answer_{kind}")(question, path, control, value)

    def control(self, question: Field, scope: Locator) -> Locator:
        """The question's input, or its fieldset for choices and groups."""
        kind = widget(question)
        if kind in ("yesno", "radios", "checkboxes", "group", "repeat", "list", "tuple"):
            return scope.get_by_role("group", name=self.named(question)).first
        if kind == "checkbox":
            return scope.get_by_role("checkbox", name=self.named(question))
        return scope.get_by_label(self.named(question))

    def _answer_text(self, question: Field, path: str, control: Locator, value: Any) -> None:
        control.fill(_scalar_text(value))

    _answer_textarea = _answer_text

    def _answer_select(self, question: Field, path: str, control: Locator, value: Any) -> None:
        control.select_option(label=question.label_for(value, self.lang))

    def _answer_radios(self, question: Field, path: str, control: Locator, value: Any) -> None:
        control.get_by_role("radio", name=question.label_for(value, self.lang), exact=True).check()

    def _answer_yesno(self, question: Field, path: str, control: Locator, value: Any) -> None:
        word = self._("Yes") if value else self._("No")
        control.get_by_role("radio", name=word, exact=True).check()

    def _answer_checkbox(self, question: Field, path: str, control: Locator, value: Any) -> None:
        control.set_checked(bool(value))

    def _answer_checkboxes(self, question: Field, path: str, control: Locator, value: Any
                           ) -> None:
        chosen = value if isinstance(value, list) else [value]
        for choice in question.choices:
            box = control.get_by_role("checkbox", name=choice.label.get(self.lang), exact=True)
            box.set_checked(choice.value in chosen)

    def _answer_file(self, question: Field, path: str, control: Locator, value: Any) -> None:
        uploads = value if isinstance(value, list) else [value]
        control.set_input_files([u.for_playwright() for u in uploads])

    _answer_files = _answer_file

    def _answer_group(self, question: Field, path: str, control: Locator, value: Any) -> None:
        names = [c.name for c in self.form.children(question.path)]
        for name in self._asking_order(names, question.path):
            child = self.form.fields[f"{question.path}.{name}"]
            self.answer(child, f"{path}.{name}", control, value)

    def item_name(self, question: Field) -> str:
        items = resolve(self.form, question.schema.get("items"))
        title = items.get(f"title_{self.lang}") or items.get("title") \
            if isinstance(items, Mapping) else None
        return str(title) if title else self._("Item")

    def item(self, question: Field, control: Locator, number: int) -> Locator:
        legend = self._("%(item)s %(number)s", item=self.item_name(question), number=number)
        return control.get_by_role("group", name=legend, exact=True)

    def _answer_repeat(self, question: Field, path: str, control: Locator, value: Any) -> None:
        from playwright.sync_api import expect

        children = [c.name for c in self.form.children(question.path)]
        for number, entry in enumerate(value, 1):
            scope = self.item(question, control, number)
            expect(scope).to_be_visible()
            for name in self._asking_order(children, question.path):
                child = self.form.fields[f"{question.path}.{name}"]
                self.answer(child, f"{path}.{number - 1}.{name}", scope, entry)
        if self.exercise_lists and self.journey.added_and_removed is None and \
                len(value) < max_items(question):
            self.add_and_remove(question, path, value)

    def add_and_remove(self, question: Field, path: str, value: list[Any]) -> None:
        """Press "Add another", see a new empty item, press its "Remove": the items typed
        before are kept each time (this works without JavaScript: they are submit buttons)."""
        from playwright.sync_api import expect

        def control() -> Locator:
            return self.page.get_by_role("main").get_by_role(
                "group", name=self.named(question)).first

        count = len(value)
        add = template_pattern(self._("Add another %(item)s"))
        self.press(self.button(add, control()))
        self.audit()
        new_item = self.item(question, control(), count + 1)
        expect(new_item).to_be_visible()
        legend = self._("%(item)s %(number)s", item=self.item_name(question), number=count + 1)
        # the page after "Remove" is the same post answered alike: audited after "Add"
        self.press(self.button(f"{self._('Remove')} {legend}", new_item))
        expect(self.item(question, control(), count + 1)).to_have_count(0)
        first = self.item(question, control(), 1)
        for child in self.form.children(question.path):
            planned = value[0].get(child.name, MISSING)
            if widget(child) == "text" and isinstance(planned, str | int | float):
                expect(first.get_by_label(self.named(child))).to_have_value(
                    _scalar_text(planned))
        self.journey.added_and_removed = path

    def _answer_list(self, question: Field, path: str, control: Locator, value: Any) -> None:
        item = resolve(self.form, question.schema.get("items"))
        name = (item.get("title") if isinstance(item, Mapping) else None) or self.title(question)
        for number, entry in enumerate(value, 1):
            box = control.get_by_label(self._("%(item)s %(number)s", item=name, number=number),
                                       exact=True)
            box.fill(_scalar_text(entry))

    _answer_tuple = _answer_list


def answer_at(answers: Mapping[str, Any], path: str) -> Any:
    """The answer at a dotted path (``contact.email``), or ``MISSING``."""
    return _get(answers, path)
