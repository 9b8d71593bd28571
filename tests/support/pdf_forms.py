"""City paper forms as PDFs, made by the tests with reportlab's AcroForm API (and pypdf for
what reportlab does not write: format actions, scripts, encryption), for the PDF importer.

``fillable_pdf`` has 18 fields of every kind over two pages: text with and without a tooltip,
multi-line text, a date and a number and an amount of money declared by their format actions,
checkboxes, a radio group, a list box and a drop-down list; ``FIELDS`` says what each should
become.
"""

from __future__ import annotations

import functools
import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

# name in the PDF -> (tooltip or None, printed label, what the question should be)
FIELDS: dict[str, tuple[str | None, str, str]] = {
    "full_name": ("What is your full name?", "Full name", "text"),
    "Text2": (None, "Street address", "text"),
    "unit": (None, "Apartment or unit", "text"),
    "damage": ("Describe the damage", "Describe the damage", "multiline"),
    "noticed": ("When did you notice it?", "Date noticed", "date"),
    "width_feet": ("How wide is the damage, in feet?", "Width (feet)", "number"),
    "estimate": ("Repair estimate, if you have one", "Estimate", "money"),
    "hazard": ("Is it a trip hazard?", "Trip hazard", "checkbox"),
    "near_school": ("Is it near a school?", "Near a school", "checkbox"),
    "surface": ("What is the sidewalk made of?", "Surface", "radio"),
    "ward": ("Which ward is it in?", "Ward", "choice"),
    "contact_by": ("How should we contact you?", "Contact by", "listbox"),
    "email": ("Your email address", "Email address", "text"),
    "phone": (None, "Phone number", "text"),
    "owner": ("Do you own the property next to it?", "Property owner", "checkbox"),
    "landmark": (None, "Nearest landmark", "text"),
    "Text17": (None, "Other details", "text"),
    "reported_before": ("Have you reported it before?", "Reported before", "radio"),
}


def _fillable_pages() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=letter, invariant=1)
    page.setTitle("Sidewalk repair request")
    form = page.acroForm
    page.setFont("Helvetica-Bold", 16)
    page.drawString(72, 740, "Sidewalk repair request")
    y = 700
    for index, (name, (tooltip, label, kind)) in enumerate(FIELDS.items()):
        if index == 10:
            page.showPage()
            y = 720
        page.setFont("Helvetica", 11)
        page.drawString(72, y + 4, label + ":")
        extra = {"tooltip": tooltip} if tooltip else {}
        if kind in ("text", "date", "number", "money"):
            form.textfield(name=name, x=250, y=y, width=250, height=18,
                           maxlen=120 if name == "full_name" else 100, **extra)
        elif kind == "multiline":
            form.textfield(name=name, x=250, y=y - 30, width=250, height=48,
                           fieldFlags="multiline", **extra)
            y -= 30
        elif kind == "checkbox":
            form.checkbox(name=name, x=250, y=y, size=14, fieldFlags="", **extra)
        elif kind == "radio":
            values = ["concrete", "brick", "asphalt"] if name == "surface" else ["yes", "no"]
            for number, value in enumerate(values):
                form.radio(name=name, value=value, x=250 + number * 60, y=y, size=14,
                           selected=number == 0, fieldFlags="radio", **extra)
        elif kind == "choice":
            form.choice(name=name, value="Ward 1", options=["Ward 1", "Ward 2", "Ward 3"],
                        x=250, y=y, width=120, height=18, **extra)
        elif kind == "listbox":
            form.listbox(name=name, value="Email", options=["Email", "Phone", "Letter"],
                         x=250, y=y - 30, width=120, height=48, **extra)
            y -= 30
        y -= 30
    page.save()
    return out.getvalue()


FORMATS = {"noticed": 'AFDate_FormatEx("mm/dd/yyyy");',
           "width_feet": 'AFNumber_Format(0, 0, 0, 0, "", true);',
           "estimate": 'AFNumber_Format(2, 0, 0, 0, "$", true);'}


def _with(data: bytes, change) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _javascript(code: str) -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                             NameObject("/JS"): TextStringObject(code)})


@functools.cache
def fillable_pdf() -> bytes:
    """The sidewalk form, its date and number fields carrying their format actions."""
    def formats(writer: PdfWriter) -> None:
        for page in writer.pages:
            for annotation in page.get("/Annots") or []:
                widget = annotation.get_object()
                script = FORMATS.get(str(widget.get("/T")))
                if script:
                    widget[NameObject("/AA")] = DictionaryObject(
                        {NameObject("/F"): _javascript(script)})
    return _with(_fillable_pages(), formats)


@functools.cache
def flat_pdf() -> bytes:
    """A printed form with no fields: lines with blanks to write on."""
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=letter, invariant=1)
    page.setTitle("Tree planting request")
    page.drawString(72, 740, "Tree planting request")
    page.drawString(72, 700, "Your name ______________________")
    page.drawString(72, 670, "Address where the tree should go ____________")
    page.drawString(72, 640, "Do you own the property?  Yes  No")
    page.save()
    return out.getvalue()


def scripted_pdf() -> bytes:
    """The fillable form with a script run on opening, and one in a field."""
    def scripts(writer: PdfWriter) -> None:
        writer._root_object[NameObject("/OpenAction")] = _javascript("app.alert('hi');")
    return _with(fillable_pdf(), scripts)


def encrypted_pdf() -> bytes:
    return _with(fillable_pdf(), lambda writer: writer.encrypt("secret", algorithm="AES-128"))


def long_pdf(pages: int = 500) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
