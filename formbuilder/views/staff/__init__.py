"""What staff see: the inbox, a submission with its history and the decisions on it, cases,
dashboards and exports. The blueprint is in ``base``; each page module adds its routes."""

from formbuilder.views.staff import cases, dashboard, exports, inbox, submission  # noqa: F401
from formbuilder.views.staff.base import blueprint

__all__ = ["blueprint"]
