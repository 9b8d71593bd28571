"""Checks of a form's ``webhooks``: addresses another city system receives the form's news at.

The layout (a list of ``url`` and ``on``) is the meta-schema's; this module says, in words a
clerk can act on, what is wrong with an address. It never touches the network: whether an
address may be reached is decided when something is sent (``formbuilder.notifiers.webhooks``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

Path = tuple[str | int, ...]
Finding = tuple[Path, str, str, str]  # path, message, code, severity


def check_webhooks(hooks: Any) -> Iterator[Finding]:
    if not isinstance(hooks, list):
        return
    seen: dict[str, int] = {}
    for index, hook in enumerate(hooks):
        if not isinstance(hook, dict) or not isinstance(hook.get("url"), str):
            continue
        path: Path = ("webhooks", index, "url")
        url = hook["url"].strip()
        problem = url_problem(url)
        if problem:
            yield path, f"Webhook {index + 1}: {problem}", "webhook", "error"
            continue
        if url in seen:
            yield (path, f"Webhook {index + 1} has the same address as webhook {seen[url]}; "
                   "list each address once, with every event it wants under `on`.",
                   "webhook", "error")
        seen.setdefault(url, index + 1)
        if urlsplit(url).scheme == "http":
            yield (path, f"Webhook {index + 1} uses http://, so the answers would "
                   "cross the network unencrypted. Use https:// if the receiver offers it.",
                   "webhook", "warning")


def url_problem(url: str) -> str | None:
    """What is wrong with a webhook address, in one sentence; ``None`` when it is usable."""
    example = "like https://permits.example.gov/hooks/formbuilder"
    if any(c.isspace() for c in url):
        return f"`{url}` has a space or line break in it; write the address {example}."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"`{url}` is not a web address; write it {example}."
    if parts.scheme not in ("http", "https"):
        return f"`{url}` must start with https:// (or http://), {example}."
    if not parts.hostname:
        return f"`{url}` names no server; write it {example}."
    if parts.username is not None or parts.password is not None:
        return ("the address must not hold a user name or password: anyone who can read "
                "the form file would see them. The receiver checks the signature instead.")
    if parts.fragment:
        return f"`{url}` has a `#` part, which is never sent to the server; leave it out."
    if port == 0:
        return f"`{url}` names port 0, which no server listens on."
    return None
