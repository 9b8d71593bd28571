"""Finding a form by what a resident wants to do, forgiving typos.

Residents type tasks ("pothole", "block party", "parking sticker"), often misspelt, often in
their own language; they do not know which department owns a form. So every form is indexed by
its titles, keywords and descriptions in all its languages, and each query word matches a form
word exactly, by a shared stem, or within a small edit distance.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from schemas import Form
from schemas.localized import Localized

STOPWORDS = frozenset(
    "a an the my our your i we to for of in on at and or is it me do how can want need "
    "would like get please un una el la los las mi de del en para por y o quiero necesito "
    "como".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)
# Han (with its extensions and compatibility forms), kana and Hangul: scripts written without
# spaces between words (Hangul uses spaces, but residents often leave them out).
_CJK_RUN = re.compile("([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
                      "\uf900-\ufaff\U00020000-\U0002fa1f]+)")
WEIGHTS = {"title": 3.0, "keyword": 3.0, "department": 0.5, "description": 1.0, "question": 0.5}


@dataclass(frozen=True)
class Hit:
    form: Form
    score: float


def words(text: str) -> list[str]:
    """Lower-case words without accents: "Reportar un bache" -> ["reportar", "un", "bache"].

    Chinese and Japanese write no spaces between words, so a run of their characters becomes
    its overlapping character pairs ("停车许可" -> 停车, 车许, 许可): "停车许可" then finds a form
    whose keywords say "申请停车许可" or "停车许可证" without a dictionary of words.
    """
    folded = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    found: list[str] = []
    for token in _WORD.findall(plain):
        for part in _CJK_RUN.split(token):
            if not part:
                continue
            if _CJK_RUN.fullmatch(part):
                found += [part[i:i + 2] for i in range(len(part) - 1)] or [part]
            else:
                found.append(part)
    return found


def stem(word: str) -> str:
    """A crude stem shared by English and Spanish plurals and verb forms."""
    for suffix in ("ing", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _texts(value: Localized | None) -> list[str]:
    if value is None:
        return []
    return [value.default, *value.translations.values()]


@lru_cache(maxsize=256)
def _index(form: Form) -> dict[str, float]:
    """Each word of the form with the weight of the most important place it appears."""
    places: list[tuple[str, Iterable[str]]] = [
        ("title", _texts(form.title)),
        ("keyword", form.keywords),
        ("department", _texts(form.department)),
        ("description", _texts(form.description)),
        ("question", [t for f in form.fields.values() for t in _texts(f.title)]),
    ]
    index: dict[str, float] = {}
    for place, texts in places:
        for text in texts:
            for word in words(text):
                if word in STOPWORDS:
                    continue
                index[word] = max(index.get(word, 0.0), WEIGHTS[place])
    return index


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up early once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _match(query_word: str, form_word: str) -> float:
    """How well one query word matches one form word, from 0 to 1."""
    if query_word == form_word:
        return 1.0
    if stem(query_word) == stem(form_word):
        return 0.9
    if len(query_word) >= 4 and form_word.startswith(query_word):
        return 0.7
    allowed = 2 if len(query_word) >= 8 else 1 if len(query_word) >= 4 else 0
    same_start = query_word[0] == form_word[0]  # typos rarely hit the first letter
    if allowed and same_start and _distance(query_word, form_word, allowed) <= allowed:
        return 0.6
    return 0.0


def score(form: Form, query: str) -> float:
    """How well ``form`` answers ``query``; 0 when a query word matches nothing in it."""
    query_words = [w for w in words(query) if w not in STOPWORDS] or words(query)
    if not query_words:
        return 0.0
    index = _index(form)
    total = 0.0
    matched = 0
    for query_word in query_words:
        best = max((_match(query_word, w) * weight for w, weight in index.items()), default=0)
        if best:
            matched += 1
        total += best
    if matched < (len(query_words) + 1) // 2:  # at least half the words must match
        return 0.0
    return total / len(query_words)


def search(forms: Sequence[Form], query: str) -> list[Form]:
    """Forms that answer ``query``, best first; every form (by title) when the query is blank."""
    if not words(query):
        return sorted(forms, key=lambda f: f.title.default.lower())
    hits = [Hit(form, s) for form in forms if (s := score(form, query)) > 0]
    return [hit.form for hit in sorted(hits, key=lambda h: (-h.score, h.form.title.default))]
