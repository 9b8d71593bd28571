"""Attack 14: staff PDFs and files could sit in a shared computer's cache, and the server
named its software and version. What held (the protective headers) is kept here too."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from live_site import Browser, Live, decide, make_dispatcher, sign_in
from resident import png_bytes
from worker_processes import wait_for


def test_staff_documents_are_never_stored_by_caches(live: Live) -> None:
    make_dispatcher(live)
    reference = live.browser().send_pothole(photo=png_bytes())
    staff = live.browser()
    assert sign_in(staff).status == 302
    page = staff.get(f"/staff/submissions/{reference}")
    files = re.findall(rf"/staff/submissions/{reference}/files/att_[A-Za-z0-9_-]+", page.text)
    assert files
    for path in [f"/staff/submissions/{reference}/pdf", files[0],
                 f"/staff/submissions/{reference}"]:
        reply = staff.get(path)
        assert reply.status == 200, path
        assert "no-store" in (reply.header("Cache-Control") or ""), path
    decide(staff, reference, "approve")


def test_the_server_does_not_say_what_it_runs(tmp_path: Path) -> None:
    """``formbuilder serve`` itself, in its own process, as a city runs it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "FORMBUILDER_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}",
                   "FORMBUILDER_UPLOAD_DIR": str(tmp_path / "uploads"),
                   "FORMBUILDER_IN_PROCESS_JOBS": "0", "FORMBUILDER_SECRET_KEY": "not-secret"}
    server = subprocess.Popen(
        [sys.executable, "-c", "from formbuilder.cli import main; main()", "serve",
         "--port", str(port)], env=environment, cwd=tmp_path,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        browser = Browser(f"http://127.0.0.1:{port}")

        def listening() -> bool:
            assert server.poll() is None, "formbuilder serve stopped"
            try:
                browser.get("/")
                return True
            except OSError:
                return False

        wait_for(listening, "formbuilder serve to listen", every=0.1)
        for path in ["/", "/track", "/staff/sign-in", "/no-such-page", "/assets/formbuilder.css"]:
            header = browser.get(path).header("Server") or ""
            assert not re.search(r"\d|werkzeug|python", header, re.I), (path, header)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_pages_keep_their_protective_headers(live: Live) -> None:
    reply = live.browser().get("/track")
    assert "frame-ancestors 'none'" in reply.header("Content-Security-Policy")
    assert "script-src 'self'" in reply.header("Content-Security-Policy")
    assert reply.header("X-Content-Type-Options") == "nosniff"
    assert reply.header("X-Frame-Options") == "DENY"
    assert reply.header("Referrer-Policy") == "no-referrer"
    assert "no-store" in reply.header("Cache-Control")
