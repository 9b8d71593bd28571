"""The form language: loading, checking and the parsed ``Form`` model.

Pure Python: knows no web framework and no database, so the checker, the renderers and the
workflow engine can be used and tested on their own.
"""

from schemas.checker import check, check_text, load, load_definition
from schemas.fields import Choice, Field
from schemas.localized import Localized
from schemas.model import Form, Page, Retention, Step
from schemas.problems import FormError, Problem

__all__ = [
    "Choice",
    "Field",
    "Form",
    "FormError",
    "Localized",
    "Page",
    "Problem",
    "Retention",
    "Step",
    "check",
    "check_text",
    "load",
    "load_definition",
]
