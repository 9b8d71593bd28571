"""The links emails carry are built from BASE_URL without Flask, and agree with the routes."""

from __future__ import annotations

import pytest
from flask import url_for
from staff import make_app

from formbuilder.links import Links


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:5000", "https://city.gov/forms/"])
def test_links_agree_with_the_routes(db, tmp_path, base_url):
    app = make_app(db, tmp_path, BASE_URL=base_url)
    links = Links.of(app.config)
    token = "eyJyZWZlcmVuY2UiOiJQVEgifQ.ZxY-_w.a1b2"
    with app.test_request_context("/", base_url=base_url):
        assert links.track("es") == url_for("public.track", lang="es", _external=True)
        assert links.returned(token, "zh") == url_for("public.returned", token=token, lang="zh",
                                                      _external=True)
        assert links.resume(token, "en") == url_for("public.resume", token=token, lang="en",
                                                    _external=True)
        assert links.staff_submission("PTH-2026-00001") == url_for(
            "staff.submission", reference="PTH-2026-00001", _external=True)


def test_without_a_base_url_links_point_at_the_local_server():
    assert Links.of({}).track("en") == "http://127.0.0.1:5000/track?lang=en"
