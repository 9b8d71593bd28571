"""The one way the renderers build a Jinja environment: autoescaping, strict, translated.

One environment serves every language: its gettext reads ``lang`` from the template context,
so no render ever swaps translations under another render's feet (installing a language's
translations per render would not be thread-safe on a shared environment). Jinja's newstyle
gettext fills the ``%(name)s`` placeholders itself, so these callables only translate.
"""

from __future__ import annotations

import jinja2
from jinja2 import pass_context

from schemas.i18n import translations


@pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return translations(context.get("lang")).gettext(message)


@pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, count: int) -> str:
    return translations(context.get("lang")).ngettext(singular, plural, count)


def translated_environment(package: str) -> jinja2.Environment:
    """An environment for the templates of ``package`` (its ``templates`` folder)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env
