"""The studio at ``/staff/forms``: staff write, preview, test and publish forms in the browser.

HTTP only: every rule is in ``services.studio`` (drafts, checking, publishing) and
``services.studio_grants`` (who may), asked through ``permissions.can``. Pages are drawn on the
server and every action is a plain form post with a CSRF token, so all of it works without
JavaScript; ``studio.js`` only adds conveniences (line numbers that follow scrolling).
"""

from formbuilder.views.studio import (  # noqa: F401  (the routes register on the blueprint)
    builder,
    editor,
    forms,
    guide,
    history,
    preview,
    publish,
    tester,
)
from formbuilder.views.studio.base import blueprint

__all__ = ["blueprint"]
