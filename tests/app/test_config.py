"""Settings are read in one place (formbuilder/config.py), each kind of value one way, and every
variable README documents reaches the app's config under the same name and default."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from staff import make_app

from formbuilder import config
from formbuilder.jobs.worker import Worker, in_process_jobs_enabled
from formbuilder.notifiers import webhooks

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text", ["1", "true", "TRUE", "yes", "on", " On "])
def test_on_values_turn_a_setting_on(text):
    assert config.boolean("FORMBUILDER_SMTP_SSL", text) is True


@pytest.mark.parametrize("text", ["0", "false", "False", "no", "off", "OFF "])
def test_off_values_turn_a_setting_off(text):
    assert config.boolean("FORMBUILDER_SMTP_SSL", text) is False


@pytest.mark.parametrize("text", ["ture", "2", "enabled", "y", "-"])
def test_any_other_on_off_value_is_refused_naming_the_variable(text):
    with pytest.raises(config.SettingError, match=r"FORMBUILDER_SECURE_COOKIES is .*1, true, "
                       r"yes or on .* 0, false, no or off"):
        config.from_environment({"FORMBUILDER_SECURE_COOKIES": text})


@pytest.mark.parametrize(("variable", "text", "words"), [
    ("FORMBUILDER_SMTP_PORT", "twenty-five", "whole number"),
    ("FORMBUILDER_SMTP_TIMEOUT", "soon", "number of seconds"),
    ("FORMBUILDER_JOB_LEASE_SECONDS", "0", "more than 0 seconds"),
    ("FORMBUILDER_JOB_POLL_SECONDS", "-1", "more than 0 seconds"),
])
def test_numbers_that_cannot_be_read_are_refused_naming_the_variable(variable, text, words):
    with pytest.raises(config.SettingError, match=rf"{variable} must be .*{words}"):
        config.from_environment({variable: text})


def test_each_kind_of_value_is_read_into_the_config_key():
    settings = config.from_environment({
        "FORMBUILDER_SECURE_COOKIES": "yes", "FORMBUILDER_IN_PROCESS_JOBS": "off",
        "FORMBUILDER_SMTP_PORT": "587", "FORMBUILDER_JOB_LEASE_SECONDS": "2.5",
        "FORMBUILDER_EXTRA_HANDLER_MODULES": " a.b, ,c ", "FORMBUILDER_CITY_NAME": "Springfield",
        "FORMBUILDER_WEBHOOK_ALLOW_PRIVATE": "1", "FORMBUILDER_SMTP_HOST": "",
    })
    assert settings == {"SESSION_COOKIE_SECURE": True, "IN_PROCESS_JOBS": False,
                        "SMTP_PORT": 587, "JOB_LEASE_SECONDS": 2.5,
                        "EXTRA_HANDLER_MODULES": ("a.b", "c"), "CITY_NAME": "Springfield",
                        "WEBHOOK_ALLOW_PRIVATE": True, "MAIL": "log"}


def test_mail_is_sent_by_smtp_once_a_server_is_named():
    assert config.from_environment({"FORMBUILDER_SMTP_HOST": "mail.city.gov"})["MAIL"] == "smtp"
    assert config.from_environment({})["MAIL"] == "log"


def test_the_app_worker_and_webhooks_take_their_values_from_the_environment(
        db, tmp_path, monkeypatch):
    for name, value in {"FORMBUILDER_IN_PROCESS_JOBS": "no",
                        "FORMBUILDER_JOB_LEASE_SECONDS": "42",
                        "FORMBUILDER_JOB_POLL_SECONDS": "0.25",
                        "FORMBUILDER_WEBHOOK_SECRET": "s3cret",
                        "FORMBUILDER_WEBHOOK_ALLOW_PRIVATE": "on"}.items():
        monkeypatch.setenv(name, value)
    app = make_app(db, tmp_path)
    assert not in_process_jobs_enabled(app.config)
    worker = Worker(app)
    assert (worker.lease, worker.poll) == (timedelta(seconds=42), 0.25)
    assert webhooks.Settings.of(app.config) == webhooks.Settings("s3cret", True)


def test_defaults_hold_without_the_environment(db, tmp_path, monkeypatch):
    for setting in config.SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    app = make_app(db, tmp_path)
    assert in_process_jobs_enabled(app.config)
    worker = Worker(app)
    assert (worker.lease, worker.poll) == (timedelta(minutes=5), 1.0)
    assert webhooks.Settings.of(app.config) == webhooks.Settings(None, False)
    assert app.config["SESSION_COOKIE_SECURE"] is False and app.config["MAIL"] == "log"


def _documented() -> set[str]:
    """Every FORMBUILDER_ variable README's settings table names (``_PORT`` after
    ``FORMBUILDER_SMTP_HOST`` is ``FORMBUILDER_SMTP_PORT``)."""
    text = (ROOT / "README.md").read_text()
    table = text[text.index("| variable | default |"):]
    table = table[:table.index("\n\n")]
    found: set[str] = set()
    for row in table.splitlines()[2:]:
        first, _, rest = row.strip("|").partition("|")
        names = re.findall(r"`([A-Z_]+)`", first)
        base = names[0].rsplit("_", 1)[0]
        found |= {name if name.startswith("FORMBUILDER_") else base + name for name in names}
        found |= set(re.findall(r"`(FORMBUILDER_[A-Z_]+)`", rest))
    return found


def test_every_setting_is_documented_and_every_documented_variable_is_read():
    assert _documented() == {setting.name for setting in config.SETTINGS}


def _reads_environment(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") \
                and isinstance(node.value, ast.Name) and node.value.id == "os":
            lines.append(node.lineno)
    return lines


def test_only_the_config_module_reads_the_environment():
    readers: dict[str, Any] = {}
    for path in sorted((ROOT / "formbuilder").rglob("*.py")):
        lines = _reads_environment(ast.parse(path.read_text(), str(path)))
        if lines and path.name != "config.py":
            readers[str(path.relative_to(ROOT))] = lines
    assert readers == {}


@pytest.mark.parametrize(("environ", "words"), [
    ({"FORMBUILDER_MAIL": "carrier-pigeon"}, r"FORMBUILDER_MAIL is 'carrier-pigeon'; use one of"),
    ({"FORMBUILDER_MAIL_FROM": "the city"}, r"FORMBUILDER_MAIL_FROM 'the city' has no address"),
    ({"FORMBUILDER_SMTP_HOST": "relay.example.gov", "FORMBUILDER_SMTP_USERNAME": "forms"},
     r"password would cross the network as plain text"),
])
def test_mail_settings_that_cannot_work_stop_start_up_not_the_first_email(environ, words):
    with pytest.raises(config.SettingError, match=words):
        config.from_environment(environ)


def test_a_bad_setting_stops_any_command_with_one_plain_line():
    from click.testing import CliRunner

    from formbuilder.cli import main

    result = CliRunner().invoke(main, ["users", "list"],
                                env={"FORMBUILDER_TIME_ZONE": "Mars/Base"})
    assert result.exit_code == 2
    assert result.output.strip() == (
        "formbuilder: FORMBUILDER_TIME_ZONE is 'Mars/Base', which is not a time zone; use a "
        "name like America/Chicago or Europe/Madrid.")
