"""Hostile or broken files get one clear message each, never a traceback or a hang."""

from __future__ import annotations

import socket

import pytest

from schemas import check


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("checking a form must never touch the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def single(problems):
    errors = [p for p in problems if p.severity == "error"]
    assert errors, "expected a problem"
    return errors[0]


def test_empty_file(tmp_path):
    problem = single(check(write(tmp_path, "empty.yaml", "  \n\n")))
    assert problem.code == "empty"
    assert "The file is empty" in problem.message


def test_binary_file(tmp_path):
    problem = single(check(write(tmp_path, "photo.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")))
    assert problem.code == "binary"
    assert "not a text file" in problem.message


def test_file_that_is_not_utf8(tmp_path):
    latin = "id: x\ntitle: Caf\xe9\n".encode("latin-1")
    problem = single(check(write(tmp_path, "latin.yaml", latin)))
    assert problem.code == "encoding"
    assert problem.line == 2


def test_ten_megabyte_file(tmp_path):
    body = "id: big\ntitle: Big\nkeywords:\n" + "  - word\n" * 1_250_000
    problem = single(check(write(tmp_path, "big.yaml", body)))
    assert problem.code == "too_large"
    assert "MB" in problem.message


@pytest.mark.parametrize("name", ["deep.yaml", "deep.json"])
def test_nesting_a_thousand_deep(tmp_path, name):
    body = '{"a": ' * 1000 + "1" + "}" * 1000
    problem = single(check(write(tmp_path, name, body)))
    assert problem.code == "too_deep"
    assert "nested more than" in problem.message


def test_deep_yaml_blocks(tmp_path):
    body = "".join("  " * i + f"k{i}:\n" for i in range(1000)) + "  " * 1000 + "v: 1\n"
    problem = single(check(write(tmp_path, "blocks.yaml", body)))
    assert problem.code == "too_deep"


def test_alias_bomb(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    problem = single(check(write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")))
    assert problem.code == "too_large"


def test_ref_loop(tmp_path):
    body = """{"type": "object", "properties": {"a": {"$ref": "#/$defs/a"}},
               "$defs": {"a": {"$ref": "#/$defs/a"}}}"""
    problem = single(check(write(tmp_path, "loop.json", body)))
    assert problem.code == "ref_loop"


def test_remote_ref(tmp_path):
    body = """{"type": "object", "properties": {"a": {"$ref": "http://198.51.100.7/a.json"}}}"""
    problem = single(check(write(tmp_path, "remote.json", body)))
    assert problem.code == "remote_ref"
    assert problem.line == 1


def test_lookahead_regex(tmp_path):
    body = """{"type": "object", "properties": {"a": {"type": "string", "pattern": "(?=a)a"}}}"""
    problem = single(check(write(tmp_path, "lookahead.json", body)))
    assert problem.code == "unsafe_pattern"


def test_ten_thousand_character_condition(tmp_path):
    condition = " and ".join(["amount > 5"] * 1000)[:10_000]
    body = f"""\
id: long-condition
title: Long
schema:
  type: object
  properties:
    amount: {{type: number}}
routing:
  - step: Review
    assign: reviewers
    when: "{condition}"
"""
    problem = single(check(write(tmp_path, "long-condition.yaml", body)))
    assert problem.code == "condition"
    assert problem.line == 10


def test_folder_and_missing_file(tmp_path):
    assert single(check(tmp_path)).code == "io"
    assert single(check(tmp_path / "nope.yaml")).code == "io"


@pytest.mark.parametrize(
    "body",
    ["[1, 2, 3]", "just text", "42", "null", "- a\n- b\n"],
)
def test_files_that_are_not_a_set_of_keys(tmp_path, body):
    problem = single(check(write(tmp_path, "odd.yaml", body)))
    assert problem.code == "layout"
    assert "must be a set of keys" in problem.message
