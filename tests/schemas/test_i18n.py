"""The one message catalogue: complete in every language, and safe for translators to edit."""

from __future__ import annotations

import gettext as stdlib_gettext
import textwrap
from pathlib import Path

import pytest
from jinja2 import Environment

from schemas import i18n
from schemas.i18n import (
    N_,
    SUPPORTED_LANGUAGES,
    base_language,
    extract,
    gettext,
    ngettext,
    placeholders,
    read_catalog,
    translations,
)

TRANSLATED = [lang for lang in SUPPORTED_LANGUAGES if lang != i18n.DEFAULT_LANGUAGE]
USED = extract()


def _where(msgid: object) -> str:
    return ", ".join(f"{path}:{line}" for path, line in USED[msgid])  # type: ignore[index]


@pytest.mark.parametrize(("code", "base"), [
    ("en", "en"), ("es", "es"), ("es-MX", "es"), ("es_US", "es"), ("ES", "es"),
    ("zh", "zh"), ("zh-Hans", "zh"), ("zh_CN", "zh"), ("zh-Hans-CN", "zh"),
    ("fr", None), ("", None), (None, None),
])
def test_language_codes_are_reduced_to_a_supported_base(code, base):
    assert base_language(code) == base


def test_unsupported_languages_fall_back_to_english():
    assert isinstance(translations("fr"), stdlib_gettext.NullTranslations)
    assert gettext("fr", "Back") == gettext(None, "Back") == "Back"


def test_each_language_is_read_once_and_shared_by_its_regional_variants():
    assert translations("es") is translations("es-MX") is translations("es_US")
    assert translations("zh-Hans") is translations("zh")
    assert isinstance(translations("es"), stdlib_gettext.GNUTranslations)


def test_gettext_translates_and_fills_named_parameters():
    assert gettext("es", "Back") == "Atrás"
    assert gettext("zh", "Page %(n)d of %(total)d", n=2, total=5) == "第2页，共5页"
    assert gettext("en", "Opens on %(date)s", date="2026-05-01") == "Opens on 2026-05-01"


@pytest.mark.parametrize(("lang", "count", "text"), [
    ("en", 1, "1 form matches “park”"), ("en", 3, "3 forms match “park”"),
    ("es", 1, "1 formulario coincide con “park”"), ("es", 0, "0 formularios coinciden con “park”"),
    ("zh", 1, "有1个表格与“park”相符"), ("zh", 7, "有7个表格与“park”相符"),
])
def test_ngettext_picks_the_plural_form_of_each_language(lang, count, text):
    assert ngettext(lang, "%(num)d form matches “%(query)s”", "%(num)d forms match “%(query)s”",
                    count, query="park") == text


def test_ngettext_passes_an_already_formatted_num():
    assert ngettext("es", "%(num)s byte", "%(num)s bytes", 12_000, num="12.000") == "12.000 bytes"


def test_templates_translate_through_jinja_newstyle_gettext():
    env = Environment(extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations("es"), newstyle=True)  # type: ignore[attr-defined]
    template = env.from_string('{{ _("Back") }} · {{ _("Page %(n)d of %(total)d", n=1, total=3) }}'
                               ' · {{ ngettext("%(num)d form matches “%(query)s”", '
                               '"%(num)d forms match “%(query)s”", 2, query="x") }}')
    assert template.render() == "Atrás · Página 1 de 3 · 2 formularios coinciden con “x”"


def test_n_marks_a_message_and_returns_it_unchanged():
    assert N_("Yes") == "Yes"


@pytest.mark.parametrize("text", ["“%(title)s” must be %(num)d", "%(a)s and %(b)05.2f, 100%%"])
def test_placeholders_are_found(text):
    assert placeholders(text) <= {"title", "num", "a", "b"}
    assert placeholders(text)


# --- The catalogue is complete and sound ------------------------------------------------------


def test_the_code_uses_messages_from_every_part_of_the_project():
    files = {path for locations in USED.values() for path, _ in locations}
    assert any(path.startswith("schemas/validation.py") for path in files)
    assert any(path.endswith(".html") for path in files)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_used_in_code_is_translated(lang):
    catalog = read_catalog(lang)
    missing = [f"{msgid!r} ({_where(msgid)})" for msgid in USED
               if catalog.get(msgid if isinstance(msgid, str) else msgid[0]) is None]
    assert not missing, (f"Not in the {lang} catalogue; run `python -m schemas.i18n` and "
                         "translate: " + "; ".join(missing))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_translation_is_empty_or_fuzzy(lang):
    catalog = read_catalog(lang)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings):
            problems.append(f"{message.id!r} has no translation")
        if message.fuzzy:
            problems.append(f"{message.id!r} is marked fuzzy: check it, then remove the flag")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_plural_messages_have_every_form_of_the_language(lang):
    catalog = read_catalog(lang)
    wrong = [message.id for message in catalog if message.pluralizable
             and len(message.string) != catalog.num_plurals]
    assert not wrong


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_placeholders_of_their_message(lang):
    """A dropped or renamed ``%(title)s`` would raise KeyError, or lose the question's name,
    in front of a resident."""
    catalog = read_catalog(lang)
    broken = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(placeholders(i) for i in ids))
        optional = {"num"} if message.pluralizable else set()  # "un solo archivo" is fine
        for string in strings:
            found = placeholders(string)
            if found - wanted or (wanted - optional) - found:
                broken.append(f"{message.id!r}: {string!r}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_translation_formats_with_its_parameters(lang):
    catalog = read_catalog(lang)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        params = {name: 1 for i in ids for name in placeholders(i)} | {"num": 1}
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if placeholders(string):
                string % params  # raises on a malformed placeholder


# --- Extraction ---------------------------------------------------------------------------------


def test_extract_finds_both_calling_conventions_and_templates(tmp_path: Path, monkeypatch):
    package = tmp_path / "renderers"
    (package / "templates").mkdir(parents=True)
    (package / "views.py").write_text(textwrap.dedent('''
        from schemas.i18n import N_, gettext, ngettext
        TABLE = {"a": N_("From a table")}
        def view(lang, self, n):
            gettext(lang, "With a language first", title="x")
            self._("In a method")
            ngettext(lang, "%(num)d apple", "%(num)d apples", n)
            gettext(lang, TABLE["a"])
    '''), "utf-8")
    (package / "templates" / "page.html").write_text(
        '{{ _("In a template") }} {{ ngettext("%(num)d pear", "%(num)d pears", n) }}', "utf-8")
    monkeypatch.setattr(i18n, "SOURCE_PACKAGES", ("renderers",))
    found = extract(tmp_path)
    assert set(found) == {"From a table", "With a language first", "In a method",
                          ("%(num)d apple", "%(num)d apples"), "In a template",
                          ("%(num)d pear", "%(num)d pears")}
    assert found["In a method"] == [("renderers/views.py", 6)]


def test_the_template_flags_messages_with_parameters_for_po_editors():
    catalog = i18n.template_catalog()
    assert "python-format" in catalog.get("Opens on %(date)s").flags
    assert "python-format" not in catalog.get("Back").flags


# --- Staff pages speak Spanish and Chinese too --------------------------------------------------

STAFF_SOURCES = ("formbuilder/views/staff/", "formbuilder/views/admin/", "formbuilder/views/auth/",
                 "formbuilder/templates/staff/", "formbuilder/templates/admin/",
                 "formbuilder/templates/auth/", "formbuilder/services/accounts.py",
                 "formbuilder/services/api_tokens.py")
# Spanish shares these with English; anything else left in English is untranslated.
SAME_IN_SPANISH = {"Tokens", "Error:", "bytes"}


def _staff_msgids() -> list[object]:
    return [msgid for msgid, places in USED.items()
            if any(path.startswith(STAFF_SOURCES) for path, _ in places)]


def test_staff_pages_have_messages_to_translate():
    assert {"All submissions", "Audit log", "Dashboard", "Signed in"} <= set(_staff_msgids())


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_staff_message_is_translated_not_copied(lang):
    copied = []
    for msgid in _staff_msgids():
        singular = msgid if isinstance(msgid, str) else msgid[0]
        if singular in SAME_IN_SPANISH and lang == "es":
            continue
        translated = gettext(lang, singular)
        if translated == singular:
            copied.append(singular)
    assert not copied, f"Staff messages still in English in {lang}: {copied}"


def test_staff_flashes_and_errors_go_through_the_catalogue():
    """A flash or an error page given a literal or an f-string would reach every reader in
    English: staff views give them gettext(...) or a service's Words."""
    import ast

    offenders = []
    root = i18n.project_root()
    for folder in ("formbuilder/views/staff", "formbuilder/views/admin", "formbuilder/views/auth"):
        for path in sorted((root / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                        and node.func.id in ("flash", "_bad_request") and node.args \
                        and isinstance(node.args[0], ast.Constant | ast.JoinedStr):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not offenders, offenders


def test_words_read_as_english_and_translate_at_the_edge():
    words = i18n.Words("There is already an account for %(email)s.", email="a@b.org")
    assert words == "There is already an account for a@b.org."
    assert gettext("es", words.msgid, **words.params) == "Ya existe una cuenta para a@b.org."
