"""Reading rendered HTML the way a browser and a screen reader would, for the renderer tests.

``Page`` parses HTML with the standard library, checks the accessibility rules every page must
keep, and serializes its form controls as a browser posts them; ``sample_answers`` makes
realistic answers for any form's questions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from renderers.html.structure import children_of, item_fields, max_items, min_items
from schemas import Field, Form

TEXT_TYPES = {"text", "email", "tel", "url", "date", "time", "datetime-local", "number",
              "search", "password", "month", "week"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element] = field(default_factory=list)
    text: str = ""

    def words(self) -> str:
        """The text as a screen reader would read it: every piece, single-spaced."""
        pieces = [self.text] + [child.words() for child in self.children]
        return " ".join(" ".join(p.split()) for p in pieces if p.strip())

    def ancestors(self) -> list[Element]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    def all_text(self) -> str:
        if self.tag == "br":
            return "\n"
        return self.text + "".join(child.all_text() for child in self.children)


class Page(HTMLParser):
    """A parsed HTML fragment."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.current = self.root
        self.elements: list[Element] = []
        self.feed(str(html))
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: (v if v is not None else "") for k, v in attrs},
                          self.current)
        self.current.children.append(element)
        self.elements.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent  # type: ignore[assignment]
        if node is not self.root:
            self.current = node.parent  # type: ignore[assignment]

    def handle_data(self, data: str) -> None:
        self.current.children.append(Element("#text", {}, self.current, text=data))

    # --- Queries ------------------------------------------------------------------------------

    def find(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [e for e in self.elements if (tag is None or e.tag == tag)
                and all(e.attrs.get(k.rstrip("_").replace("_", "-")) == v
                        for k, v in attrs.items())]

    def ids(self) -> list[str]:
        return [e.attrs["id"] for e in self.elements if "id" in e.attrs]

    def controls(self) -> list[Element]:
        return [e for e in self.elements if e.tag in ("input", "select", "textarea")]

    def labelled_controls(self) -> list[Element]:
        return [e for e in self.controls()
                if not (e.tag == "input" and e.attrs.get("type") in ("hidden", "submit",
                                                                      "button", "reset"))]

    # --- The rules ---------------------------------------------------------------------------

    def check(self) -> None:
        """Every rule a rendered fragment keeps; raises AssertionError naming the break."""
        ids = self.ids()
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        assert not duplicates, f"duplicate ids: {duplicates}"
        known = set(ids)
        for element in self.elements:
            assert element.tag != "script", "a script element was rendered"
            handlers = [a for a in element.attrs if a.lower().startswith("on")]
            assert not handlers, f"event handler attribute {handlers} on <{element.tag}>"
            for attr in ("href", "src", "action", "formaction"):
                value = element.attrs.get(attr, "").strip().lower()
                assert not value.startswith(("javascript:", "data:", "vbscript:")), value
            described = element.attrs.get("aria-describedby")
            if described is not None:
                missing = [i for i in described.split() if i not in known]
                assert not missing, f"aria-describedby points at missing {missing}"
                assert described.strip(), "empty aria-describedby"
            labelledby = element.attrs.get("aria-labelledby")
            if labelledby:
                assert all(i in known for i in labelledby.split()), labelledby
        for control in self.labelled_controls():
            control_id = control.attrs.get("id")
            assert control_id, f"<{control.tag} name={control.attrs.get('name')}> has no id"
            labels = [e for e in self.find("label") if e.attrs.get("for") == control_id]
            assert len(labels) == 1, f"{control_id} has {len(labels)} labels"
            assert labels[0].all_text().strip(), f"{control_id} has an empty label"
            if control.attrs.get("type") in ("radio", "checkbox") and len(
                    self.find("input", name=control.attrs.get("name", ""))) > 1:
                fieldsets = [a for a in control.ancestors() if a.tag == "fieldset"]
                assert fieldsets, f"{control_id}: a group of options outside a fieldset"
        for label in self.find("label"):
            assert label.attrs.get("for") in known, f"label for missing {label.attrs}"
        for fieldset in self.find("fieldset"):
            tags = [c for c in fieldset.children if c.tag != "#text" or c.text.strip()]
            assert tags and tags[0].tag == "legend", "a fieldset without a leading legend"
            assert tags[0].all_text().strip(), "an empty legend"
        for link in self.find("a"):
            href = link.attrs.get("href", "")
            if href.startswith("#") and len(href) > 1:
                assert href[1:] in known, f"link to missing #{href[1:]}"
            assert link.all_text().strip(), "an empty link"
        for button in self.find("button"):
            assert button.all_text().strip(), "a button without text"

    # --- What a browser posts ------------------------------------------------------------------

    def posted(self) -> PostData:
        """The form data a browser sends when the form is submitted with Continue."""
        data = PostData()
        for control in self.controls():
            name = control.attrs.get("name")
            if not name or "disabled" in control.attrs:
                continue
            if control.tag == "textarea":
                text = control.all_text()
                text = text[1:] if text.startswith("\n") else text
                data.add(name, text.replace("\r\n", "\n"))
            elif control.tag == "select":
                options = [o for o in self.elements if o.tag == "option"
                           and control in o.ancestors()]
                chosen = [o for o in options if "selected" in o.attrs] or options[:1]
                for option in chosen:
                    data.add(name, option.attrs.get("value", option.all_text()))
            else:
                kind = control.attrs.get("type", "text")
                if kind in ("radio", "checkbox"):
                    if "checked" in control.attrs:
                        data.add(name, control.attrs.get("value", "on"))
                elif kind in TEXT_TYPES or kind == "hidden":
                    value = control.attrs.get("value", "")
                    data.add(name, value.replace("\n", "").replace("\r", ""))
        return data


class PostData(dict):
    """A minimal MultiDict: what WTForms and ``answers_from_post`` read (``getlist``)."""

    def add(self, key: str, value: Any) -> None:
        self.setdefault(key, []).append(value)

    def getlist(self, key: str) -> list[Any]:
        value = self.get(key, [])
        return list(value) if isinstance(value, list) else [value]

    @classmethod
    def of(cls, mapping: Mapping[str, Any]) -> PostData:
        data = cls()
        for key, value in mapping.items():
            for item in value if isinstance(value, list) else [value]:
                data.add(key, item)
        return data


# --- Sample answers -----------------------------------------------------------------------------


def sample_answers(form: Form, names: list[str], variant: int = 0) -> dict[str, Any]:
    """Answers for the named top-level questions, of the kind each question takes."""
    return {name: sample_value(form, form.fields[name], variant) for name in names
            if name in form.fields}


def sample_value(form: Form, question: Field, variant: int = 0) -> Any:
    schema = question.schema
    if "const" in schema:
        return schema["const"]
    if schema.get("readOnly") is True and "default" in schema:
        return schema["default"]
    kind = question.kind
    if kind == "group":
        return {c.name: sample_value(form, c, variant) for c in children_of(form, question)}
    if kind == "repeat":
        count = max(min(2, max_items(question)), min_items(question))
        return [{c.name: sample_value(form, c, variant + i) for c in children_of(form, question)}
                for i in range(count)]
    if kind == "multichoice":
        first, last = question.choices[0].value, question.choices[-1].value
        return [first] if first == last else [first, last]
    if kind == "choice":
        return question.choices[variant % len(question.choices)].value
    if kind == "boolean":
        return variant % 2 == 0
    if kind == "file":
        return f"att_{question.name}_{variant}"
    if kind == "files":
        return [f"att_{question.name}_{i}" for i in range(min(2, max_items(question)))]
    if kind in ("list", "tuple"):
        items = item_fields(form, question)
        if kind == "tuple":
            return [_scalar(item, variant + i) for i, item in enumerate(items)]
        return [_scalar(items[0], variant + i) for i in range(2)]
    return _scalar(question, variant)


def _scalar(question: Field, variant: int) -> Any:
    if question.kind == "integer":
        return 3 + variant
    if question.kind == "number":
        return 1234.5 + variant
    if question.kind == "boolean":
        return variant % 2 == 0
    fmt = question.format
    if fmt == "email":
        return f"resident{variant}@example.com"
    if fmt == "tel":
        return "+1 217 555 0100"
    if fmt in ("uri", "iri"):
        return f"https://example.org/{variant}?a=1&b=<2>"
    if fmt == "date":
        return f"2026-05-0{1 + variant % 9}"
    if fmt == "time":
        return "10:30"
    if fmt == "date-time":
        return "2026-05-01T10:30"
    if question.kind == "textarea":
        return f"First line {variant} <b>bold?</b>\nSecond line & \"quotes\" 'too'"
    return f"Answer {variant} to {question.name} <i>&amp;</i> \"q\""
