"""Residents who write Chinese find forms too, and are told when a form is only in English."""

from __future__ import annotations

from pathlib import Path

import pytest
from example_forms import every_example

import schemas
from formbuilder.app import create_app
from formbuilder.services import publishing
from formbuilder.services.catalogue import search, words

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))
FORMS = list(every_example().values())


@pytest.mark.parametrize(("query", "form_id"), [
    ("报告路面坑洼", "pothole-report"),  # the catalogue's own Chinese hint words
    ("街区派对", "block-party-permit"),
    ("停车许可", "residential-parking-permit"),
    ("路面坑洼", "pothole-report"),
    ("我想申请停车许可", "residential-parking-permit"),
])
def test_chinese_words_find_their_form(query, form_id):
    found = search(FORMS, query)
    assert found and found[0].id == form_id


def test_chinese_text_is_split_into_character_pairs():
    assert words("停车许可") == ["停车", "车许", "许可"]
    assert words("park 停车") == ["park", "停车"]
    assert words("坑") == ["坑"]


def test_a_chinese_word_that_is_in_no_form_finds_nothing():
    assert search(FORMS, "游泳池") == []


@pytest.fixture
def client(db, tmp_path):
    app = create_app({"TESTING": True, "DATABASE": db, "SECRET_KEY": "test-secret",
                      "UPLOAD_DIR": str(tmp_path / "uploads")})
    with db.session() as session:
        for path in EXAMPLES:
            publishing.publish(session, schemas.load(path))
    return app.test_client()


def test_a_form_with_no_chinese_text_says_it_is_in_english(client):
    page = client.get("/?lang=zh&q=停车许可").get_data(as_text=True)
    assert "residential-parking-permit" in page
    assert "此表格只有英语版本" in page
    spanish = client.get("/?lang=es&q=dog").get_data(as_text=True)
    assert "dog-license" in spanish and "solo está en inglés" not in spanish
    form = client.get("/forms/residential-parking-permit?lang=zh").get_data(as_text=True)
    assert "此表格只有英语版本" in form
