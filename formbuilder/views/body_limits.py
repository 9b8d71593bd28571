"""Request bodies are measured before anything reads them.

Werkzeug limits multipart posts as it parses them (``MAX_FORM_PARTS``, ``MAX_FORM_MEMORY_SIZE``
per text part, ``MAX_CONTENT_LENGTH`` overall), but it reads a url-encoded body whole and
splits it with no limit on its fields: a 54 MB ``a=&a=&…`` post once took 34 s and 2.7 GB.
Here every body that is not multipart (url-encoded, JSON, anything) may be at most
``MAX_FORM_MEMORY_SIZE`` bytes, refused with 413 from its declared length alone, and a
url-encoded one at most ``MAX_FORM_PARTS`` fields, counted in the raw bytes before parsing.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request

MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"


def refuse_oversized_bodies() -> None:
    if request.mimetype == MULTIPART:
        return
    limit = min(int(current_app.config["MAX_FORM_MEMORY_SIZE"]),
                int(current_app.config.get("MAX_CONTENT_LENGTH") or 2**62))
    # Werkzeug then stops any read past it too, for bodies sent without a declared length.
    request.max_content_length = limit
    length = request.content_length
    if length is not None and length > limit:
        abort(413)
    if request.mimetype == URLENCODED:
        body = request.get_data(cache=True)  # the form parser reads this cached copy
        if body.count(b"&") + 1 > int(current_app.config["MAX_FORM_PARTS"]):
            abort(413)


def init_app(app: Flask) -> None:
    app.before_request(refuse_oversized_bodies)
