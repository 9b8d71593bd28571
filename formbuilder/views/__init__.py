"""The web layer: one blueprint package per audience, and what every page shares.

HTTP lives here and only here. Views read the request, ask ``formbuilder.services`` (which
never import Flask) and draw a template; a newcomer finds a page by its audience's folder.
"""

from __future__ import annotations

from flask import Flask

from formbuilder.views import (
    auth,
    body_limits,
    errors,
    headers,
    language,
    template_globals,
    throttle,
)
from formbuilder.views.admin.jobs import blueprint as jobs
from formbuilder.views.admin.users import blueprint as admin
from formbuilder.views.admin.work import blueprint as work
from formbuilder.views.api import blueprint as api
from formbuilder.views.auth.oidc import blueprint as oidc
from formbuilder.views.public import blueprint as public
from formbuilder.views.public_feedback import blueprint as feedback
from formbuilder.views.staff import blueprint as staff
from formbuilder.views.studio import blueprint as studio

BLUEPRINTS = (public, staff, auth.blueprint, oidc, admin, jobs, api, feedback, work, studio)


def register(app: Flask) -> None:
    """Everything the web layer adds to an app: language, headers, globals, errors, pages."""
    app.session_interface = auth.SessionInterface()
    language.init_app(app)
    headers.protect(app)
    template_globals.register(app)
    errors.register(app)
    body_limits.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    throttle.init_app(app)  # wraps the registered views
