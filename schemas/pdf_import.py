"""A city's paper form (a PDF) read into a first draft in the form language.

A fillable PDF (AcroForm) gives one question per field: text and multi-line text, a checkbox
as yes/no, a radio group or a list box as one choice with its options, date and number formats
where the PDF declares them (its ``AFDate_*``/``AFNumber_*`` format actions are read as data,
never run), maximum lengths. A question's words come from the field's tooltip, else from the
printed words nearest the field on its page; the PDF's pages become the form's pages and its
title the form's. A flat PDF (no fields) gives its text lines as an outline the clerk turns
into questions. Every import comes with a list of what the clerk should check.

The PDF is data from outside: its size is refused before it is parsed, its pages and fields are
counted before they are read, a page's drawing instructions are read only up to a limit, any
script other than the standard format actions is refused, and an encrypted or damaged file
gets a sentence instead of an exception. Pure: pypdf only, no web framework or database.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from schemas.builder import _unique, slug
from schemas.yamltext import flow_list

MAX_BYTES = 20_000_000
MAX_PAGES = 100
MAX_FIELDS = 1_000
MAX_PAGE_CONTENT = 2_000_000  # decoded drawing instructions of one page read for its words
MAX_OUTLINE = 500
MAX_SCRIPT = 10_000
MAX_LABEL = 200

# The standard format, keystroke and calculation calls of PDF forms, with literal arguments
# only: read as data; any other script makes the PDF refused (nothing is ever run).
_STANDARD_SCRIPT = re.compile(
    r"^\s*(?:AF[A-Za-z_]+\((?:\s*(?:\"[^\"\\]*\"|'[^'\\]*'|-?[0-9.]+|true|false|"
    r"new Array\([^()]*\))\s*,?)*\)\s*;?\s*)+$")
_GENERIC_NAME = re.compile(r"^(text|textfield|text field|check ?box|radio|radio ?button|"
                           r"list ?box|combo ?box|drop ?down|choice|field|untitled)[\s_.-]*"
                           r"\d*$", re.IGNORECASE)
_FLAG_REQUIRED, _FLAG_MULTILINE, _FLAG_PASSWORD = 1 << 1, 1 << 12, 1 << 13
_FLAG_RADIO, _FLAG_PUSHBUTTON, _FLAG_COMBO, _FLAG_MULTISELECT = 1 << 15, 1 << 16, 1 << 17, 1 << 21


class ImportRefused(ValueError):
    """A PDF the importer will not read; the message says why and what to do."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class PdfField:
    """One AcroForm field as found: its name, kind, options and where it is drawn."""

    name: str
    kind: str  # text, multiline, checkbox, radio, choice, multichoice
    page: int
    rect: tuple[float, float, float, float]
    tooltip: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    max_length: int | None = None
    required: bool = False
    format: str | None = None  # date, integer, number, money, tel, time
    format_detail: str = ""
    label: str = ""
    label_from: str = "tooltip"  # tooltip, nearby words, field name


@dataclass
class Imported:
    """The draft's text, what the clerk should check, and a flat PDF's outline."""

    text: str
    title: str
    questions: int
    notes: list[str]
    outline: list[str]
    fillable: bool


# --- reading safely ------------------------------------------------------------------------


def read(data: bytes, *, file_name: str = "form.pdf", form_id: str = "imported-form"
         ) -> Imported:
    """The PDF as a draft, or :class:`ImportRefused`."""
    reader = _open(data)
    pages = _count_pages(reader)
    _refuse_scripts(reader, pages)
    fields, skipped = _fields(reader)
    title = _title(reader, file_name)
    if not fields:
        return _flat(reader, pages, title, form_id, skipped)
    lines_by_page = {page: _lines(reader.pages[page]) for page in sorted({f.page for f in fields})}
    for found in fields:
        _label(found, lines_by_page.get(found.page, []))
    return _draft(fields, skipped, title, form_id)


def _open(data: bytes) -> Any:
    from pypdf import PdfReader

    if len(data) > MAX_BYTES:
        raise ImportRefused(f"The PDF is {len(data) / 1_000_000:.1f} MB; the importer reads "
                            f"PDFs up to {MAX_BYTES // 1_000_000} MB. Save the form's pages "
                            "without scanned pictures, or split it, and import it again.",
                            "too_large")
    if b"%PDF-" not in data[:1024]:
        raise ImportRefused("This file is not a PDF. Choose the city's form saved as a PDF.",
                            "not_pdf")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception:  # pypdf raises many kinds for broken files; all mean the same here
        raise ImportRefused("The PDF is damaged and cannot be read. Open it in a PDF reader, "
                            "save a new copy, and import that.", "damaged") from None
    if encrypted:
        raise ImportRefused("The PDF is protected with a password (encrypted), so its fields "
                            "cannot be read. Save a copy without the protection and import "
                            "that.", "encrypted")
    return reader


def _count_pages(reader: Any) -> int:
    try:
        count = len(reader.pages)
    except Exception:
        raise ImportRefused("The PDF is damaged and its pages cannot be read. Save a new copy "
                            "and import that.", "damaged") from None
    if count > MAX_PAGES:
        raise ImportRefused(f"The PDF has {count} pages; the importer reads forms of up to "
                            f"{MAX_PAGES} pages. Import the pages of the form itself, without "
                            "guidance booklets or attachments.", "too_many_pages")
    if count == 0:
        raise ImportRefused("The PDF has no pages.", "damaged")
    return count


def _get(node: Any, key: str) -> Any:
    try:
        value = node.get(key)
        return value.get_object() if value is not None else None
    except Exception:
        return None


def _script_text(action: Any) -> str | None:
    """The JavaScript of an action dictionary (string or stream), or None for other actions."""
    if not hasattr(action, "get") or str(_get(action, "/S")) != "/JavaScript":
        return None
    script = _get(action, "/JS")
    try:
        if hasattr(script, "get_data"):
            raw = script.get_data()[:MAX_SCRIPT + 1]
            return raw.decode("latin-1")
        return str(script or "")
    except Exception:
        return "<unreadable script>"


def _actions(node: Any) -> Iterator[tuple[str, Any]]:
    """The actions a dictionary carries: ``/A`` and each of ``/AA`` (with its trigger)."""
    action = _get(node, "/A")
    if action is not None:
        yield "/A", action
    extra = _get(node, "/AA")
    if hasattr(extra, "items"):
        for trigger in list(extra.keys())[:20]:
            yield str(trigger), _get(extra, trigger)


def _refuse_scripts(reader: Any, pages: int) -> None:
    """Refuse a PDF with any script but the standard format calls; run none of them."""
    catalog = reader.trailer.get("/Root")
    catalog = catalog.get_object() if catalog is not None else {}
    found: list[str] = []
    names = _get(catalog, "/Names")
    if names is not None and _get(names, "/JavaScript") is not None:
        found.append("the document")
    opening = _get(catalog, "/OpenAction")
    if opening is not None and _script_text(opening) is not None:
        found.append("opening the document")
    for _, action in _actions(catalog):
        if _script_text(action) is not None:
            found.append("the document")
    for index in range(pages):
        page = reader.pages[index]
        for _, action in _actions(page):
            if _script_text(action) is not None:
                found.append(f"page {index + 1}")
        for annotation in _annotations(page):
            for node in _lineage(annotation):
                for _, action in _actions(node):
                    script = _script_text(action)
                    if script is not None and not _STANDARD_SCRIPT.match(script[:MAX_SCRIPT]):
                        found.append(f"a field on page {index + 1}")
    if found:
        raise ImportRefused("The PDF holds scripts (JavaScript) in "
                            + ", ".join(dict.fromkeys(found)) + ". Nothing was run, and "
                            "nothing was imported: scripts can do anything. Print the form "
                            "to a new PDF (which drops scripts but keeps fields in most "
                            "readers), or ask whoever made it for a copy without them.",
                            "javascript")


def _annotations(page: Any) -> list[Any]:
    annotations = _get(page, "/Annots")
    if not isinstance(annotations, list):
        return []
    found = []
    for item in annotations[:MAX_FIELDS + 1]:
        try:
            found.append(item.get_object())
        except Exception:
            continue
    return found


def _lineage(node: Any) -> Iterator[Any]:
    """The widget and its parent fields, up to the field that has a name (bounded)."""
    seen = 0
    while node is not None and hasattr(node, "get") and seen < 8:
        yield node
        node = _get(node, "/Parent")
        seen += 1


def _inherited(node: Any, key: str) -> Any:
    for item in _lineage(node):
        value = _get(item, key)
        if value is not None:
            return value
    return None


def _name(widget: Any) -> str:
    parts = [str(_get(item, "/T")) for item in _lineage(widget) if _get(item, "/T") is not None]
    return ".".join(reversed(parts))


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


# --- fields --------------------------------------------------------------------------------


def _fields(reader: Any) -> tuple[list[PdfField], list[str]]:
    """Every field in page order, widgets of one field (a radio group) merged."""
    found: dict[str, PdfField] = {}
    skipped: list[str] = []
    count = 0
    for index in range(len(reader.pages)):
        for widget in _annotations(reader.pages[index]):
            if str(_get(widget, "/Subtype")) != "/Widget":
                continue
            count += 1
            if count > MAX_FIELDS:
                raise ImportRefused(f"The PDF has more than {MAX_FIELDS} fields; the importer "
                                    "reads forms with fewer. Split the form and import each "
                                    "part.", "too_many_fields")
            name = _name(widget)
            if not name:
                continue
            rect = _rect(widget)
            if name in found:
                _more_widgets(found[name], widget, rect)
                continue
            made = _field(widget, name, index, rect)
            if made is None:
                skipped.append(name)
            else:
                found[name] = made
    return list(found.values()), skipped


def _rect(widget: Any) -> tuple[float, float, float, float]:
    try:
        x0, y0, x1, y1 = (float(v) for v in _get(widget, "/Rect"))
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)
    except Exception:
        return 0.0, 0.0, 0.0, 0.0


def _states(widget: Any) -> list[str]:
    appearance = _get(widget, "/AP")
    normal = _get(appearance, "/N") if appearance is not None else None
    if normal is None or not hasattr(normal, "keys"):
        return []
    return [str(k).lstrip("/") for k in list(normal) if str(k) != "/Off"]


def _more_widgets(found: PdfField, widget: Any, rect: tuple[float, float, float, float]
                  ) -> None:
    if found.kind == "radio":
        for state in _states(widget):
            if state not in [value for value, _ in found.options]:
                found.options.append((state, state))


def _field(widget: Any, name: str, page: int, rect: tuple[float, float, float, float]
           ) -> PdfField | None:
    kind_name = str(_inherited(widget, "/FT") or "")
    flags = _int(_inherited(widget, "/Ff"))
    tooltip = _text(_inherited(widget, "/TU"))[:MAX_LABEL]
    made = PdfField(name=name, kind="text", page=page, rect=rect, tooltip=tooltip,
                    required=bool(flags & _FLAG_REQUIRED))
    if kind_name == "/Tx":
        if flags & _FLAG_PASSWORD:
            return None
        made.kind = "multiline" if flags & _FLAG_MULTILINE else "text"
        length = _int(_inherited(widget, "/MaxLen"))
        made.max_length = length if 0 < length <= 100_000 else None
        _format(made, widget)
    elif kind_name == "/Btn":
        if flags & _FLAG_PUSHBUTTON:
            return None
        if flags & _FLAG_RADIO:
            made.kind = "radio"
            made.options = [(state, state) for state in _states(widget)]
        else:
            made.kind = "checkbox"
    elif kind_name == "/Ch":
        made.kind = "multichoice" if flags & _FLAG_MULTISELECT else "choice"
        made.options = _options(_inherited(widget, "/Opt"))
        if not made.options:
            made.kind = "text"
    else:
        return None  # signatures and anything else: not a question
    return made


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _options(value: Any) -> list[tuple[str, str]]:
    options: list[tuple[str, str]] = []
    for item in (value if isinstance(value, list) else [])[:500]:
        try:
            item = item.get_object() if hasattr(item, "get_object") else item
            if isinstance(item, list) and len(item) >= 2:
                export, shown = _text(item[0]), _text(item[1])
            else:
                export = shown = _text(item)
        except Exception:
            continue
        if export and export not in [v for v, _ in options]:
            options.append((export[:200], (shown or export)[:500]))
    return options


def _format(made: PdfField, widget: Any) -> None:
    """A date, number or special format the PDF declares, read from its format action."""
    for trigger, action in _actions(widget):
        if trigger not in ("/F", "/K"):
            continue
        script = _script_text(action) or ""
        if match := re.search(r"AFDate_(?:Format|Keystroke)(?:Ex)?\(\s*[\"']([^\"']*)[\"']",
                              script):
            made.format, made.format_detail = "date", match.group(1)
        elif match := re.search(r"AFDate_(?:Format|Keystroke)\(\s*(\d+)", script):
            made.format, made.format_detail = "date", f"date style {match.group(1)}"
        elif match := re.search(r"AFTime_(?:Format|Keystroke)(?:Ex)?\(", script):
            made.format = "time"
        elif match := re.search(r"AFNumber_(?:Format|Keystroke)\(\s*(\d+)\s*,\s*\d+\s*,\s*\d+"
                                r"\s*,\s*\d+\s*,\s*[\"']([^\"']*)[\"']", script):
            decimals, currency = int(match.group(1)), match.group(2).strip()
            made.format = "money" if currency else ("integer" if decimals == 0 else "number")
            made.format_detail = currency
        elif match := re.search(r"AFNumber_(?:Format|Keystroke)\(\s*(\d+)", script):
            made.format = "integer" if match.group(1) == "0" else "number"
        elif match := re.search(r"AFSpecial_(?:Format|Keystroke)\(\s*(\d)", script):
            made.format = {"2": "tel"}.get(match.group(1), "text")
        if made.format:
            return


# --- words near fields ---------------------------------------------------------------------


@dataclass
class _Line:
    x0: float
    x1: float
    y: float
    text: str


def _lines(page: Any) -> list[_Line]:
    """The page's printed text as lines with positions (bounded by the page's size)."""
    try:
        contents = page.get_contents()
        length = len(contents.get_data()) if contents is not None else 0
    except Exception:
        return []
    if length > MAX_PAGE_CONTENT:
        return []
    chunks: list[tuple[float, float, str, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, font_size: Any) -> None:
        if not text.strip() or len(chunks) > 20_000:
            return
        try:
            x = float(tm[4]) * float(cm[0]) + float(tm[5]) * float(cm[2]) + float(cm[4])
            y = float(tm[4]) * float(cm[1]) + float(tm[5]) * float(cm[3]) + float(cm[5])
            size = float(font_size or 10) * abs(float(tm[0]) or 1)
        except (TypeError, ValueError, IndexError):
            return
        chunks.append((x, y, text, size))

    try:
        page.extract_text(visitor_text=visit)
    except Exception:
        return []
    lines: list[_Line] = []
    for x, y, text, size in sorted(chunks, key=lambda c: (-round(c[1]), c[0])):
        for part in text.split("\n"):
            part = " ".join(part.split())
            if not part:
                continue
            width = len(part) * size * 0.5
            same_line = next((ln for ln in lines if abs(ln.y - y) < 2 and x - ln.x1 < size * 2
                              and x >= ln.x0), None)
            if same_line is not None:
                same_line.text = f"{same_line.text} {part}"
                same_line.x1 = max(same_line.x1, x + width)
            else:
                lines.append(_Line(x, x + width, y, part))
    return lines


def _label(found: PdfField, lines: list[_Line]) -> None:
    """The question's words: the tooltip, else the nearest printed words to the left of the
    field or just above it, else the field's own name made readable."""
    if found.tooltip:
        found.label, found.label_from = found.tooltip, "tooltip"
        return
    x0, y0, x1, y1 = found.rect
    middle = (y0 + y1) / 2
    best: tuple[float, str] | None = None
    for line in lines:
        if line.x0 < x0 - 2 and abs(line.y - middle) <= max(12.0, (y1 - y0) / 2 + 4) and \
                line.y <= y1 + 4:
            distance = max(0.0, x0 - line.x1) + abs(line.y - middle)
        elif y1 - 2 <= line.y <= y1 + 28 and line.x0 < x1 and line.x1 > x0 - 40:
            distance = (line.y - y1) * 2 + abs(line.x0 - x0) / 4
        else:
            continue
        if best is None or distance < best[0]:
            best = (distance, line.text)
    words = _clean(best[1]) if best else ""
    if words:
        found.label, found.label_from = words, "nearby words"
    else:
        found.label = _clean(re.sub(r"[_.\-]+", " ", found.name.split(".")[-1])).capitalize() \
            or "Question"
        found.label_from = "field name"


def _clean(text: str) -> str:
    text = re.sub(r"_{2,}|\.{3,}", " ", text)
    text = " ".join(text.split()).strip(" :*")
    return text[:MAX_LABEL]


def _title(reader: Any, file_name: str) -> str:
    try:
        metadata = reader.metadata
        title = _text(metadata.title) if metadata is not None and metadata.title else ""
    except Exception:
        title = ""
    if title and title.lower() not in ("untitled", "untitled document"):
        return title[:200]
    try:
        first = _lines(reader.pages[0])
    except Exception:
        first = []
    if first:
        return _clean(first[0].text)[:200] or "Imported form"
    stem = re.sub(r"\.pdf$", "", file_name, flags=re.IGNORECASE)
    return _clean(re.sub(r"[_\-]+", " ", stem)).capitalize()[:200] or "Imported form"


# --- the draft -----------------------------------------------------------------------------


def _question(found: PdfField) -> tuple[CommentedMap, CommentedMap]:
    schema, hints = CommentedMap(), CommentedMap()
    if found.kind == "checkbox":
        schema["type"] = "boolean"
    elif found.kind in ("radio", "choice"):
        schema["type"] = "string"
    elif found.kind == "multichoice":
        schema["type"] = "array"
    elif found.format in ("integer",):
        schema["type"] = "integer"
    elif found.format in ("number", "money"):
        schema["type"] = "number"
    else:
        schema["type"] = "string"
    schema["title"] = found.label
    values = [slug(label, "choice") if not re.match(r"^[\w -]{1,60}$", value) else value
              for value, label in found.options]
    values = list(dict.fromkeys(values))
    if found.kind in ("radio", "choice") and values:
        schema["enum"] = flow_list(values)
        hints["widget"] = "radio" if found.kind == "radio" or len(values) <= 6 else "select"
    elif found.kind == "multichoice" and values:
        schema["uniqueItems"] = True
        schema["items"] = CommentedMap([("type", "string"), ("enum", flow_list(values))])
        hints["widget"] = "checkboxes"
    if found.options and any(value != label for value, label in found.options):
        hints["labels"] = CommentedMap(zip(values, [label for _, label in found.options],
                                           strict=False))
    if found.format == "date":
        schema["format"] = "date"
    elif found.format == "time":
        schema["format"] = "time"
    elif found.format == "tel":
        schema["format"] = "tel"
    elif found.format == "money":
        schema["minimum"] = 0
        schema["multipleOf"] = 0.01
        hints["widget"] = "money"
    if found.kind == "multiline":
        hints["widget"] = "textarea"
    if found.max_length and schema["type"] == "string" and "format" not in schema and \
            "enum" not in schema:
        schema["maxLength"] = found.max_length
    asks_email = "email" in found.label.lower() or "e-mail" in found.label.lower()
    if asks_email and schema["type"] == "string" and "format" not in schema and \
            "enum" not in schema:
        schema["format"] = "email"
        schema.pop("maxLength", None)
    return schema, hints


def _draft(fields: list[PdfField], skipped: list[str], title: str, form_id: str) -> Imported:
    properties, ui, required = CommentedMap(), CommentedMap(), []
    pages: dict[int, list[str]] = {}
    names: list[str] = []
    for found in fields:
        last = found.name.split(".")[-1]
        base = slug(found.label if _GENERIC_NAME.match(last) or not slug(last, "") else last)
        name = _unique(base, names)
        names.append(name)
        schema, hints = _question(found)
        properties[name] = schema
        if hints:
            ui[name] = hints
        if found.required:
            required.append(name)
        pages.setdefault(found.page, []).append(name)
    emails = [n for n in names if properties[n].get("format") == "email"]
    definition = CommentedMap([("id", form_id), ("title", title)])
    schema = CommentedMap([("type", "object")])
    if required:
        schema["required"] = flow_list(required)
    schema["properties"] = properties
    definition["schema"] = schema
    if emails:
        definition["applicant_email"] = emails[0]
    if len(pages) > 1:
        ui["pages"] = CommentedSeq(
            CommentedMap([("title", f"Page {page + 1}"), ("fields", flow_list(listed))])
            for page, listed in sorted(pages.items()))
    if ui:
        definition["ui"] = ui
    notes = _notes(fields, skipped, required, emails)
    return Imported(_yaml_text(definition, title), title, len(fields), notes, [], True)


def _notes(fields: list[PdfField], skipped: list[str], required: list[str],
           emails: list[str]) -> list[str]:
    nearby = [f for f in fields if f.label_from == "nearby words"]
    named = [f for f in fields if f.label_from == "field name"]
    notes = [f"{len(fields)} question{'s' if len(fields) != 1 else ''} imported; "
             f"{len(nearby)} took {'their' if len(nearby) != 1 else 'its'} text from nearby "
             "words" + (f" and {len(named)} from the field's name" if named else "") + "."]
    notes += [f"Page {f.page + 1}: “{f.label}” (field {f.name}) took its text from nearby "
              "words: check it." for f in nearby]
    notes += [f"Page {f.page + 1}: “{f.label}” (field {f.name}) has no words near it: write "
              "the question." for f in named]
    words = {"date": "a date", "integer": "a whole number", "number": "a number",
             "money": "an amount of money", "tel": "a phone number", "time": "a time"}
    notes += [f"Page {f.page + 1}: “{f.label}” became {words[f.format]}, as the PDF's format "
              f"says ({f.format_detail or f.format}): check it." for f in fields
              if f.format in words]
    if skipped:
        notes.append(f"{len(skipped)} field{'s' if len(skipped) != 1 else ''} skipped (buttons, "
                     "signatures, passwords): " + ", ".join(skipped[:10]) + ".")
    if not required:
        notes.append("The PDF does not say which questions must be answered: mark them.")
    if not emails:
        notes.append("No question asks for an email address, so residents get no receipt: add "
                     "one and name it in applicant_email.")
    notes.append("Add routing steps: who reviews a submission.")
    return notes


def _flat(reader: Any, pages: int, title: str, form_id: str, skipped: list[str]) -> Imported:
    outline: list[str] = []
    for index in range(pages):
        for line in _lines(reader.pages[index]):
            text = _clean(line.text)
            if text and text != title and text not in outline and len(text) > 1:
                outline.append(text)
            if len(outline) >= MAX_OUTLINE:
                break
    definition = CommentedMap([("id", form_id), ("title", title)])
    definition["schema"] = CommentedMap([
        ("type", "object"), ("required", flow_list(["email"])),
        ("properties", CommentedMap([("email", CommentedMap([
            ("type", "string"), ("format", "email"),
            ("title", "What is your email address?")]))]))])
    definition["applicant_email"] = "email"
    notes = ["The PDF has no fields to fill in (it is a flat, printed form), so no questions "
             f"were imported. Its {len(outline)} lines of text are listed: turn each question "
             "into one with a click."]
    if not outline:
        notes.append("No text could be read from it (it may be a scanned picture): type the "
                     "questions in the builder.")
    return Imported(_yaml_text(definition, title), title, 0, notes, outline, False)


def _yaml_text(definition: CommentedMap, title: str) -> str:
    from schemas.yamltext import Document

    document = Document("id: x\n")
    del document.data["id"]
    document.data.update(definition)
    return document.text()
