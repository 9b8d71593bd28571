"""A page's questions as views: which widget, which ids, what the resident sees filled in.

Inputs are named by the answer's dotted path with item indexes (``applicant.address.zip``,
``vehicles.0.plate``), which is what :mod:`renderers.wtforms` reads back. Ids come from
:func:`renderers.html.text.field_id`; an error links to the id of the question's first input.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from copy import deepcopy
from typing import Any

from markupsafe import Markup

from renderers.html import structure
from renderers.html.text import field_id, format_description, safe_url
from renderers.html.values import (
    MISSING,
    NO,
    YES,
    checked_keys,
    choice_key,
    file_size,
    input_text,
    number_text,
    prefix_of,
    suffix_of,
)
from renderers.html.views import Action, Conditional, Item, Option, Question, Upload
from schemas.choice_rules import ChoiceRule, choice_rules, describe_choice, offered_choices
from schemas.fields import Field
from schemas.flow import branch_rule, describe_branch, describe_required, resolve
from schemas.i18n import gettext
from schemas.localized import localized
from schemas.model import Form

Attachments = Callable[[str], Mapping[str, Any] | None]

_INPUT_TYPES = {"email": "email", "tel": "tel", "uri": "url", "iri": "url", "date": "date",
                "time": "time", "date-time": "datetime-local"}
_WIDGET_TYPES = {"email": "email", "tel": "tel", "date": "date"}
_NO_SPELLCHECK = {"email", "tel", "url"}
_WIDTHS = {"short", "medium", "long"}
_MEDIA_NAMES = {"pdf": "PDF", "jpeg": "JPG", "jpg": "JPG", "png": "PNG", "gif": "GIF",
                "heic": "HEIC", "webp": "WEBP", "tiff": "TIFF", "plain": "TXT", "csv": "CSV",
                "msword": "DOC", "vnd.openxmlformats-officedocument.wordprocessingml.document":
                "DOCX"}
RADIO_LIMIT = 6


def errors_by_owner(form: Form, errors: Iterable[Any] | None) -> dict[str, str]:
    """The first error message for each question, by the question's indexed path."""
    owned: dict[str, str] = {}
    for error in errors or ():
        owner = structure.error_owner(form, str(getattr(error, "path", "") or ""))
        message = str(getattr(error, "message", "") or "")
        if owner is not None and message:
            owned.setdefault(owner, message)
    return owned


def widget_of(field: Field) -> str:
    """The macro that draws a question (FORMAT.md's schema table, then the ``widget`` hint)."""
    hint = field.ui.get("widget")
    if hint == "hidden":
        return "hidden"
    if structure.is_fixed(field):
        return "readonly"
    if field.kind == "boolean":
        return "checkbox" if hint == "checkbox" else "radios"
    if field.kind == "choice":
        if hint in ("radio", "select"):
            return "radios" if hint == "radio" else "select"
        return "radios" if len(field.choices) <= RADIO_LIMIT else "select"
    return {"textarea": "textarea", "multichoice": "checkboxes", "group": "group",
            "repeat": "repeat", "list": "list", "tuple": "list", "file": "file",
            "files": "files"}.get(field.kind, "input")


class QuestionBuilder:
    """Builds the views of a page's questions for one set of answers, errors and language."""

    def __init__(self, form: Form, answers: Mapping[str, Any] | None, errors: Iterable[Any] | None,
                 lang: str | None, attachments: Attachments | None = None) -> None:
        self.form = form
        self.answers = answers if isinstance(answers, Mapping) else {}
        self.errors = errors_by_owner(form, errors)
        self.lang = lang
        self.attachments = attachments
        self.page_names: set[str] = set()

    def _(self, message: str, **params: Any) -> str:
        return gettext(self.lang, message, **params)

    def page(self, fields: Iterable[Field | str]) -> list[Question]:
        top = structure.ordered(self.form, structure.as_fields(self.form, fields))
        self.page_names = {f.name for f in top}
        shown = [f for f in top if self._has_error(f)
                 or structure.asked_here(self.form, f, self.page_names, self.answers)]
        return [self.question(f, f.name, self.answers) for f in shown]

    def _has_error(self, field: Field) -> bool:
        """An error is always shown next to its question, so the summary can link to it."""
        return any(owner == field.name or owner.startswith(f"{field.name}.")
                   for owner in self.errors if owner)

    def question(self, field: Field, path: str, parent: Any, nested: bool = False) -> Question:
        """The view of ``field`` answered at ``path``, reading its answer from ``parent``."""
        present = isinstance(parent, Mapping) and field.name in parent
        value = parent[field.name] if present else MISSING
        widget = widget_of(field)
        if widget in ("readonly", "hidden") and structure.is_fixed(field):
            value = structure.fixed_value(field, value, present)
        elif not present and "default" in field.schema:
            value = deepcopy(field.schema["default"])
        label = field.title.get(self.lang)
        needed = describe_required(self.form, field, self.lang)
        question = Question(
            widget=widget, path=path, id=field_id(path), label=label, nested=nested,
            optional=needed is None and self._optional(field, widget, label),
            hint=self._hint(field, needed),
            error=self.errors.get(path), conditional=self._conditional(field, path))
        getattr(self, f"_{widget}")(question, field, value)
        if field.choices and widget in ("radios", "select", "checkboxes"):
            self._offer(question, field, path, parent)
        return question

    # --- Common parts ---------------------------------------------------------------------------

    def _optional(self, field: Field, widget: str, label: str) -> bool:
        """GOV.UK marks optional questions, not required ones; a title that already says
        "(optional)" (many city forms do) is not marked twice."""
        if structure.is_required(field) or widget in ("readonly", "hidden", "checkbox"):
            return False
        words = {"(optional)", self._("(optional)").lower()}
        return not any(word in label.lower() for word in words)

    def _hint(self, field: Field, needed: str | None = None) -> Markup | None:
        """The description, the ``hint``, and when a conditionally required question is
        needed (instead of "(optional)", which would be untrue for some answers)."""
        parts = Markup("")
        if field.description is not None:
            parts += format_description(field.description.get(self.lang))
        hint = localized(field.ui, "hint")
        if hint is not None:
            parts += format_description(hint.get(self.lang))
        if needed:
            parts += Markup('<p class="body">{}</p>').format(needed)
        return parts or None

    def _conditional(self, field: Field, path: str) -> Conditional | None:
        rule = branch_rule(self.form, field)
        if rule is None or self._decided_elsewhere(field, structure.names_read(rule)):
            return None  # the server decided: nothing for the script to do
        base = path.rsplit(".", 1)[0] + "." if "." in path else ""
        alternatives = [[self._clause(field, base, clause) for clause in chain] for chain in rule]
        data = json.dumps({"any": alternatives}, ensure_ascii=False, separators=(",", ":"),
                          default=str)
        question_id = field_id(path)
        return Conditional(id=f"{question_id}--conditional", data=data,
                           hint=describe_branch(self.form, field, self.lang),
                           hint_id=f"{question_id}--condition")

    def _decided_elsewhere(self, field: Field, deciding: set[str]) -> bool:
        """Whether every answer that decides about a top-level question was given on another
        page, so the server knows it and the page's script could not read it."""
        return field.parent is None and bool(deciding) and not deciding & self.page_names

    def _offer(self, question: Question, field: Field, path: str, parent: Any) -> None:
        """Keep to the choices the answers allow, when branches define the question with
        different choices: the server picks them when the deciding answers are on other pages;
        otherwise each option says when it applies, for the script and in words."""
        rules = choice_rules(self.form, field)
        if not rules:
            return
        deciding = structure.names_read(
            chain for rule in rules.values()
            for chain in (*rule.offered_by, *rule.left_out_by, *rule.picked_by))
        if self._decided_elsewhere(field, deciding):
            keys = {choice_key(c.value) for c in offered_choices(self.form, field, parent)}
            kept = [o for o in question.options if o.value in keys or o.checked]
        else:
            base = path.rsplit(".", 1)[0] + "." if "." in path else ""
            kept = []
            for option in question.options:
                rule = rules.get(option.value)
                if rule is not None and rule.never and not option.checked:
                    continue
                if rule is not None and not rule.never:
                    option.offered = self._offered(field, base, rule)
                    option.hint = describe_choice(self.form, field, rule, self.lang)
                kept.append(option)
        for index, option in enumerate(kept):
            option.id = question.id if index == 0 else f"{question.id}--{index + 1}"
        question.options = kept

    def _offered(self, field: Field, base: str, rule: ChoiceRule) -> str:
        """A choice's rule for the page's script (``data-offered``, see conditional.js)."""
        sides = [("any", rule.offered_by), ("none", rule.left_out_by)]
        if rule.among_alternatives:
            sides.append(("pick", rule.picked_by))
        return json.dumps({side: [[self._clause(field, base, c) for c in chain]
                                  for chain in chains] for side, chains in sides},
                          ensure_ascii=False, separators=(",", ":"), default=str)

    def _clause(self, field: Field, base: str, clause: Any) -> dict[str, Any]:
        if clause.tests is None:
            return {"tests": None, "negate": clause.negate}
        tests = []
        for test in clause.tests:
            controller = self.form.fields.get(".".join((*field.keys[:-1], *test.path)))
            numeric = test.op in ("min", "max", "xmin", "xmax")
            values = [v if numeric else self._post_key(controller, v) for v in test.values]
            tests.append({"name": base + ".".join(test.path), "op": test.op, "values": values,
                          "required": test.required})
        return {"tests": tests, "negate": clause.negate}

    @staticmethod
    def _post_key(controller: Field | None, value: Any) -> str:
        if controller is not None and controller.kind == "boolean" and isinstance(value, bool):
            return YES if value else NO
        return choice_key(value)

    def _text_attributes(self, question: Question, field: Field) -> None:
        ui = field.ui
        question.autocomplete = ui.get("autocomplete") if isinstance(
            ui.get("autocomplete"), str) else None
        placeholder = localized(ui, "placeholder")
        question.placeholder = placeholder.get(self.lang) if placeholder else None
        width = ui.get("width")
        question.width = width if width in _WIDTHS else None
        question.prefix = prefix_of(field, self.lang)
        question.suffix = suffix_of(field, self.lang)

    # --- Widgets --------------------------------------------------------------------------------

    def _input(self, question: Question, field: Field, value: Any) -> None:
        self._text_attributes(question, field)
        widget = field.ui.get("widget", "")
        if field.kind in ("number", "integer") or widget in ("number", "money"):
            question.inputmode = "numeric" if field.kind == "integer" else "decimal"
            question.spellcheck = False
        else:
            question.input_type = _WIDGET_TYPES.get(widget) or _INPUT_TYPES.get(
                field.format or "", "text")
            if question.input_type in _NO_SPELLCHECK:
                question.spellcheck = False
        question.value = input_text(field, value)

    def _textarea(self, question: Question, field: Field, value: Any) -> None:
        self._text_attributes(question, field)
        limit = field.schema.get("maxLength")
        question.rows = 8 if isinstance(limit, int) and limit > 1000 else 5
        question.value = input_text(field, value)

    def _readonly(self, question: Question, field: Field, value: Any) -> None:
        self._text_attributes(question, field)
        question.value = self._shown(field, value)

    def _hidden(self, question: Question, field: Field, value: Any) -> None:
        question.value = choice_key(value) if field.kind == "choice" and value not in (
            None, MISSING) else input_text(field, value)

    def _shown(self, field: Field, value: Any) -> str:
        """An answer as words (a fixed question shows its label, not its stored value)."""
        if value is MISSING or value is None:
            return ""
        if field.choices:
            return field.label_for(value, self.lang)
        if isinstance(value, bool):
            return self._("Yes") if value else self._("No")
        if isinstance(value, int | float):
            return number_text(value)
        return input_text(field, value)

    def _options(self, question: Question, pairs: list[tuple[str, str]], checked: set[str]
                 ) -> list[Option]:
        return [Option(value=key, label=label, checked=key in checked,
                       id=question.id if index == 0 else f"{question.id}--{index + 1}")
                for index, (key, label) in enumerate(pairs)]

    def _choice_pairs(self, field: Field) -> list[tuple[str, str]]:
        return [(choice_key(c.value), c.label.get(self.lang)) for c in field.choices]

    def _radios(self, question: Question, field: Field, value: Any) -> None:
        if field.kind == "boolean":
            pairs = [(YES, self._("Yes")), (NO, self._("No"))]
            question.inline = True
        else:
            pairs = self._choice_pairs(field)
        question.options = self._options(question, pairs, checked_keys(field, value))

    def _select(self, question: Question, field: Field, value: Any) -> None:
        question.options = self._options(question, self._choice_pairs(field),
                                         checked_keys(field, value))
        question.empty_option = self._("Choose an option")

    def _checkboxes(self, question: Question, field: Field, value: Any) -> None:
        question.options = self._options(question, self._choice_pairs(field),
                                         checked_keys(field, value))

    def _checkbox(self, question: Question, field: Field, value: Any) -> None:
        question.options = self._options(question, [(YES, question.label)],
                                         {YES} if value is True else set())
        question.unchecked = NO

    def _group(self, question: Question, field: Field, value: Any) -> None:
        inner = value if isinstance(value, Mapping) else {}
        question.children = [self.question(child, f"{question.path}.{child.name}", inner, True)
                             for child in structure.children_of(self.form, field)]

    def _repeat(self, question: Question, field: Field, value: Any) -> None:
        entries = value if isinstance(value, list) else []
        lowest, highest = structure.min_items(field), structure.max_items(field)
        count = min(max(len(entries), lowest), highest)
        name = self.form.item_label(field.path, self.lang)
        children = structure.children_of(self.form, field)
        for index in range(count):
            entry = entries[index] if index < len(entries) else {}
            path = f"{question.path}.{index}"
            legend = self._("%(item)s %(number)s", item=name, number=index + 1)
            question.items.append(Item(
                id=field_id(path), legend=legend, marker=path,
                children=[self.question(c, f"{path}.{c.name}", entry, True) for c in children],
                remove=self._remove(path, legend) if count > lowest else None))
        if count < highest:
            named = localized(field.ui, "add_label")
            question.add = Action("_add", question.path, named.get(self.lang)) if named \
                else self._add(question.path, name, count)

    def _list(self, question: Question, field: Field, value: Any) -> None:
        entries = value if isinstance(value, list) else []
        positions = structure.item_fields(self.form, field)
        tuple_like = field.kind == "tuple"
        lowest, highest = structure.min_items(field), structure.max_items(field)
        count = len(positions) if tuple_like else min(max(len(entries), lowest, 1), highest)
        for index in range(count):
            item_field = positions[index] if tuple_like else positions[0]
            path = f"{question.path}.{index}"
            answer = entries[index] if index < len(entries) else MISSING
            label = self._("%(item)s %(number)s", item=item_field.title.get(self.lang),
                           number=index + 1)
            child = Question(widget="input", path=path, id=field_id(path), label=label,
                             nested=True)
            self._input(child, item_field, answer)
            removable = not tuple_like and count > max(lowest, 1)
            question.items.append(Item(id=f"{field_id(path)}--item", legend=None,
                                       children=[child],
                                       remove=self._remove(path, label) if removable else None))
        if not tuple_like and count < highest:
            question.add = self._add(question.path, positions[0].title.get(self.lang), count)

    def _add(self, path: str, name: str, count: int) -> Action:
        item = _lower_first(name)
        label = self._("Add another %(item)s", item=item) if count else self._(
            "Add %(item)s", item=item)
        return Action("_add", path, label)

    def _remove(self, path: str, what: str) -> Action:
        return Action("_remove", path, self._("Remove"), hidden_label=what)

    def _file(self, question: Question, field: Field, value: Any) -> None:
        self._file_hints(question, field.schema, 1)
        if isinstance(value, str) and value:
            question.uploads = [self._upload(value, question.path)]
            replace = Markup('<p class="body">{}</p>').format(
                self._("To replace it, choose another file."))
            question.hint = (question.hint or Markup("")) + replace

    def _files(self, question: Question, field: Field, value: Any) -> None:
        items = resolve(self.form, field.schema.get("items"))
        highest = structure.max_items(field)
        self._file_hints(question, items if isinstance(items, Mapping) else {}, highest)
        entries = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
        question.uploads = [self._upload(v, f"{question.path}.{i}") for i, v in enumerate(entries)]
        question.multiple = True
        question.disabled = len(entries) >= highest

    def _file_hints(self, question: Question, schema: Mapping[str, Any], most: int) -> None:
        question.input_type = "file"
        types = schema.get("contentMediaType")
        media = [t.strip() for t in types.split(",") if t.strip()] if isinstance(types, str) \
            else []
        question.accept = ",".join(media) or None
        notes = []
        if media:
            names = ", ".join(dict.fromkeys(_media_name(t) for t in media))
            notes.append(self._("Accepted file types: %(types)s.", types=names))
        size = schema.get("maxFileSize")
        if size:
            notes.append(self._("Each file must be smaller than %(size)s.", size=file_size(size)))
        if most > 1:
            notes.append(self._("You can upload up to %(count)s files.", count=most))
        note = Markup('<p class="body">{}</p>').format(" ".join(notes)) if notes else Markup("")
        question.hint = (question.hint or Markup("")) + note or None

    def _upload(self, attachment_id: str, path: str) -> Upload:
        found = self.attachments(attachment_id) if self.attachments else None
        info = found if isinstance(found, Mapping) else {}
        name = str(info.get("name") or self._("Uploaded file"))
        size = info.get("size")
        return Upload(name=name, size=file_size(size) if size else None,
                      url=safe_url(info.get("url")) if info.get("url") else None,
                      thumbnail_url=safe_url(info.get("thumbnail_url"))
                      if info.get("thumbnail_url") else None,
                      remove=self._remove(path, name))


def _lower_first(text: str) -> str:
    """``Vehicle`` -> ``vehicle`` for "Add another vehicle", leaving ``ID card`` alone."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _media_name(media_type: str) -> str:
    kind, _, sub = media_type.partition("/")
    if sub == "*":
        return kind
    return _MEDIA_NAMES.get(sub.lower(), media_type)
