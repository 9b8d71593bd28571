"""The one "Did you mean …?" of every message that names something misspelt."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`` Did you mean `x`?`` for the closest option (a case-only slip counts), else ``""``."""
    choices = list(options)
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not match:
        match = [o for o in choices if o.lower() == word.lower()]
    return f" Did you mean `{match[0]}`?" if match else ""
