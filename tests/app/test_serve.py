"""``formbuilder serve``, as a newcomer meets it with the port already taken (one process, or
gunicorn's with ``--workers``: tests/app/test_gunicorn.py serves with them)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from formbuilder import cli


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["one-process", "workers"])
def test_a_taken_port_is_said_first_and_nothing_starts(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       workers: list[str]) -> None:
    monkeypatch.setenv("FORMBUILDER_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("FORMBUILDER_UPLOAD_DIR", str(tmp_path / "uploads"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli.main, ["serve", "--port", str(port), *workers])
    assert result.exit_code == 1
    assert f"Cannot serve on 127.0.0.1:{port}" in result.output
    assert "PORT=" in result.output
    assert "Serving" not in result.output and "worker" not in result.output.lower()
