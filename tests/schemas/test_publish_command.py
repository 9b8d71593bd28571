"""`formbuilder publish` says what `check` says and publishes nothing while a file has errors.

The command is the form language's front door; its database half runs on a real SQLite file.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from formbuilder.cli import main

GOOD = textwrap.dedent("""\
    id: a-form
    title: A form
    schema:
      type: object
      required: [name]
      properties:
        name: {type: string, descripton: Your name}
    """)


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("FORMBUILDER_DATABASE_URL", f"sqlite:///{tmp_path / 'forms.db'}")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    return runner


def write(tmp_path: Path, text: str, name: str = "a-form.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_publish_prints_the_warnings_check_prints(runner, tmp_path):
    path = write(tmp_path, GOOD)
    checked = runner.invoke(main, ["check", "--quiet", path])
    published = runner.invoke(main, ["publish", path])
    assert published.exit_code == 0, published.output
    warning = checked.output.strip()
    assert "warning: `name`: `descripton` is not a JSON Schema keyword" in warning
    assert published.output.splitlines()[0] == warning
    assert "a-form: version 1 (published)" in published.output


def test_publish_refuses_a_misspelt_required(runner, tmp_path):
    path = write(tmp_path, GOOD.replace("required:", "requried:"))
    result = runner.invoke(main, ["publish", path])
    assert result.exit_code == 1
    assert "Did you mean `required`?" in result.output
    assert "Nothing was published" in result.output
    again = runner.invoke(main, ["publish", write(tmp_path, GOOD, "b.yaml")])
    assert "a-form: version 1 (published)" in again.output, "the refused file made no version"


def test_publish_refuses_every_file_when_one_has_an_error(runner, tmp_path):
    good = write(tmp_path, GOOD)
    bad = write(tmp_path, GOOD.replace("id: a-form", "id: b-form").replace(
        "required: [name]", "required: [nmae]"), "b-form.yaml")
    result = runner.invoke(main, ["publish", good, bad])
    assert result.exit_code == 1
    assert "Did you mean `name`?" in result.output
    assert "published)" not in result.output
