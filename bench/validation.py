"""Validating answers: ``jsonschema.validate`` on every submission vs our cached validator.

``jsonschema.validate`` checks the schema against its meta-schema and builds a validator on
every call; ``compiled_validator`` does both once per schema. The answers are pothole reports
as residents send them: mostly right, some with a missing, malformed or too long answer.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from schemas.conditions import ConditionError
from schemas.conditions import parse as parse_condition
from schemas.patterns import matches
from schemas.validation import compiled_validator, validate_answers

FULL_RUN = 10_000
QUICK_RUN = 500
INVALID_SHARE = 0.15
_EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pothole-report.yaml"

_STREETS = ["Oak Street", "Main Street", "3rd Avenue", "Elm Road", "Harbor Boulevard",
            "Calle Cinco", "Jefferson Avenue", "Maple Lane"]
_MISTAKES: list[Callable[[dict[str, Any], random.Random], None]] = [
    lambda a, r: a.pop("email"),
    lambda a, r: a.update(email="name.example.com"),
    lambda a, r: a.update(location="x" * 250),
    lambda a, r: a.update(size="enormous"),
    lambda a, r: a.update(size="large") or a.pop("lanes_blocked", None),
    lambda a, r: a.update(phone="12"),
    lambda a, r: a.pop("location"),
]


def pothole_schema() -> Mapping[str, Any]:
    with _EXAMPLE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["schema"]


def pothole_answers(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    """``count`` realistic submissions, the same ones on every run."""
    rng = random.Random(seed)
    answers = []
    for _ in range(count):
        answer: dict[str, Any] = {
            "location": f"{rng.randint(1, 2400)} {rng.choice(_STREETS)}",
            "position": rng.choice(["traffic_lane", "bike_lane", "crosswalk", "curb", "alley"]),
            "size": rng.choice(["small", "medium", "large"]),
            "email": f"resident{rng.randint(1, 99_999)}@example.com",
        }
        if answer["size"] != "small":
            answer["lanes_blocked"] = rng.random() < 0.4
        if rng.random() < 0.5:
            answer["name"] = rng.choice(["Ana García", "Wei Zhang", "Sam Okafor", "Jo Smith"])
        if rng.random() < 0.4:
            answer["phone"] = f"555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        if rng.random() < 0.3:
            answer["photo"] = f"att_{rng.getrandbits(64):016x}"
        if rng.random() < INVALID_SHARE:
            rng.choice(_MISTAKES)(answer, rng)
        answers.append(answer)
    return answers


def _timed(check: Callable[[dict[str, Any]], int], answers: list[dict[str, Any]]) -> tuple[
        float, int]:
    start = time.perf_counter()
    invalid = sum(check(answer) for answer in answers)
    return time.perf_counter() - start, invalid


def _with_validate(schema: Mapping[str, Any]) -> Callable[[dict[str, Any]], int]:
    def check(answer: dict[str, Any]) -> int:
        try:
            jsonschema.validate(answer, schema)
        except jsonschema.ValidationError:
            return 1
        return 0
    return check


def _with_cache(schema: Mapping[str, Any]) -> Callable[[dict[str, Any]], int]:
    def check(answer: dict[str, Any]) -> int:
        return int(any(True for _ in compiled_validator(schema).iter_errors(answer)))
    return check


def _with_messages(schema: Mapping[str, Any]) -> Callable[[dict[str, Any]], int]:
    def check(answer: dict[str, Any]) -> int:
        return int(bool(validate_answers(schema, answer, title_of=lambda path: None)))
    return check


def run(quick: bool = False) -> Iterator[str]:
    """Validate the same answers three ways and report the ratios to the baseline."""
    schema = pothole_schema()
    answers = pothole_answers(QUICK_RUN if quick else FULL_RUN)
    baseline, invalid = _timed(_with_validate(schema), answers)
    cached, _ = _timed(_with_cache(schema), answers)
    explained, _ = _timed(_with_messages(schema), answers)
    yield (f"validation: {len(answers):,} pothole reports ({invalid:,} invalid per "
           "jsonschema.validate, which checks no formats)")
    yield (f"validation: jsonschema.validate {baseline:.2f} s / cached validator "
           f"{cached:.2f} s = {baseline / cached:.1f}x")
    yield (f"validation: jsonschema.validate {baseline:.2f} s / validate_answers with "
           f"messages {explained:.2f} s = {baseline / explained:.1f}x")
    yield from run_hostile()


# A pattern that backtracks for seconds on Python's engine (issue 12), and an answer that makes
# it: 150 characters keep the baseline under a second; RE2 is linear whatever the length.
_HOSTILE_PATTERN = r"^.*a.*a.*a.*a$"
_HOSTILE_ANSWER = "a" * 150 + "b"
# Conditions nested far past the limit, which the parser must refuse at once.
_DEEP_CONDITIONS = ["(" * 1000 + "a" + ")" * 1000, "(" * 1000 + "a", "(" * 1000,
                    "not " * 499 + "a", "not (" * 400 + "a"]


def _refuse_deep_conditions() -> None:
    for text in _DEEP_CONDITIONS:
        try:
            parse_condition(text)
        except ConditionError:
            continue
        raise AssertionError(f"accepted {text[:20]!r}...")


def run_hostile() -> Iterator[str]:
    """Hostile input: a backtracking pattern on Python's ``re`` vs RE2, and deep conditions."""
    start = time.perf_counter()
    re.search(_HOSTILE_PATTERN, _HOSTILE_ANSWER)
    backtracking = time.perf_counter() - start
    start = time.perf_counter()
    matches(_HOSTILE_PATTERN, _HOSTILE_ANSWER)
    linear = time.perf_counter() - start
    yield (f"patterns: python re {backtracking:.4f} s / re2 {linear:.6f} s = "
           f"{backtracking / linear:,.0f}x on one {len(_HOSTILE_ANSWER)}-character answer")
    start = time.perf_counter()
    _refuse_deep_conditions()
    deep = time.perf_counter() - start
    yield f"conditions: {len(_DEEP_CONDITIONS)} over-nested conditions refused in {deep:.4f} s"
