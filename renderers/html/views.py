"""What the templates draw: plain view objects, so markup decisions live in one tested place.

Python decides which widget a question gets, its ids, labels, hints and values; the Jinja macros
only lay the views out. That keeps the templates short and the rules (GOV.UK and USWDS patterns)
readable in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup


@dataclass
class Option:
    """One radio, checkbox or select option."""

    value: str
    label: str
    id: str
    checked: bool = False
    # For a choice that only some answers offer: when (JSON for the page's script, as
    # ``data-offered``) and, in words, for a page without it.
    offered: str | None = None
    hint: str | None = None

    @property
    def hint_id(self) -> str:
        return f"{self.id}--hint"


@dataclass
class Action:
    """A submit button that changes the page instead of moving on (``_add``/``_remove``)."""

    name: str
    value: str
    label: str
    hidden_label: str = ""


@dataclass
class Upload:
    """A file that is already uploaded for a question."""

    name: str
    size: str | None = None
    url: str | None = None
    thumbnail_url: str | None = None
    remove: Action | None = None


@dataclass
class Conditional:
    """The container of a question that applies only for some answers."""

    id: str
    data: str
    hint: str | None
    hint_id: str


@dataclass
class Item:
    """One item of a repeating group or of a list."""

    id: str
    legend: str | None
    children: list[Question]
    marker: str | None = None
    remove: Action | None = None


@dataclass
class Question:
    """One question as drawn: ``widget`` picks the macro."""

    widget: str
    path: str
    id: str
    label: str = ""
    optional: bool = False
    hint: Markup | None = None
    error: str | None = None
    value: str = ""
    options: list[Option] = field(default_factory=list)
    input_type: str = "text"
    inputmode: str | None = None
    autocomplete: str | None = None
    placeholder: str | None = None
    spellcheck: bool | None = None
    width: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    accept: str | None = None
    multiple: bool = False
    disabled: bool = False
    rows: int = 5
    inline: bool = False
    unchecked: str | None = None
    empty_option: str | None = None
    nested: bool = False
    children: list[Question] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    add: Action | None = None
    uploads: list[Upload] = field(default_factory=list)
    conditional: Conditional | None = None

    @property
    def name(self) -> str:
        return self.path

    @property
    def hint_id(self) -> str:
        return f"{self.id}--hint"

    @property
    def error_id(self) -> str:
        return f"{self.id}--error"

    @property
    def prefix_id(self) -> str:
        return f"{self.id}--prefix"

    @property
    def suffix_id(self) -> str:
        return f"{self.id}--suffix"

    @property
    def describedby(self) -> str:
        """The ids that describe the input, in reading order: hint, condition, unit, error."""
        ids = []
        if self.hint:
            ids.append(self.hint_id)
        if self.conditional and self.conditional.hint:
            ids.append(self.conditional.hint_id)
        if self.prefix:
            ids.append(self.prefix_id)
        if self.suffix:
            ids.append(self.suffix_id)
        if self.error:
            ids.append(self.error_id)
        return " ".join(ids)
