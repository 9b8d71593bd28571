"""Text a person reads, with its translations (``title``, ``title_es``, ...)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, overload

_SUFFIX = re.compile(r"^(?P<key>[a-z_]+?)_(?P<lang>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)$")


@dataclass(frozen=True)
class Localized:
    """A string in the form's default language plus translations keyed by language code."""

    default: str
    translations: Mapping[str, str] = field(default_factory=dict)

    def get(self, lang: str | None) -> str:
        """The text in ``lang``, falling back to the base language, then to the default."""
        if lang:
            if lang in self.translations:
                return self.translations[lang]
            base = lang.split("-")[0].split("_")[0]
            if base in self.translations:
                return self.translations[base]
        return self.default

    def __str__(self) -> str:
        return self.default


@overload
def localized(data: Mapping[str, Any], key: str, default: str) -> Localized: ...


@overload
def localized(data: Mapping[str, Any], key: str, default: None = None) -> Localized | None: ...


def localized(data: Mapping[str, Any], key: str, default: str | None = None) -> Localized | None:
    """Collect ``key`` and its ``key_<lang>`` translations from a mapping."""
    base = data.get(key)
    if not isinstance(base, str):
        if default is None:
            return None
        base = default
    translations = {
        m["lang"]: value
        for k, value in data.items()
        if isinstance(k, str) and isinstance(value, str)
        and (m := _SUFFIX.match(k)) and m["key"] == key
    }
    return Localized(base, translations)


def translation_languages(data: Mapping[str, Any], key: str) -> set[str]:
    """The languages that ``key`` has a translation for in ``data``."""
    return {m["lang"] for k in data if isinstance(k, str)
            and (m := _SUFFIX.match(k)) and m["key"] == key}
