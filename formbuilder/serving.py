"""The HTTP server ``formbuilder serve`` runs: werkzeug's, without naming itself.

Werkzeug's handler answers every request with ``Server: Werkzeug/<version> Python/<version>``,
which tells an attacker exactly which known bugs to try; ours says only ``formbuilder``.
"""

from __future__ import annotations

from werkzeug.serving import WSGIRequestHandler


class RequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler with a ``Server`` header that names no versions."""

    def version_string(self) -> str:
        return "formbuilder"
