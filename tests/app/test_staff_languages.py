"""Staff pages, their filters, flashes and errors in Spanish and Chinese."""

from __future__ import annotations

import pytest
from staff import csrf_token, make_staff

import schemas

DEFINITION = {
    "id": "tree-permit", "title": "Tree permit", "title_es": "Permiso de árbol",
    "title_zh": "树木许可", "reference_prefix": "TP",
    "routing": [{"step": "Arborist review", "step_es": "Revisión del arbolista",
                 "step_zh": "树艺师审核", "assign": "parks"}],
    "schema": {"type": "object", "properties": {
        "tree": {"type": "string", "title": "Which tree?", "title_es": "¿Qué árbol?",
                 "title_zh": "哪棵树？"}}},
}


@pytest.fixture
def published_forms():
    return [schemas.load_definition(DEFINITION)]


@pytest.fixture
def admin(db, staff):
    make_staff(db, "ada@city.gov", admin=True)
    staff.sign_in("ada@city.gov")
    return staff.client


@pytest.mark.parametrize(("lang", "heading", "step"), [
    ("es", "Todas las solicitudes", "Revisión del arbolista"),
    ("zh", "所有提交", "树艺师审核"),
])
def test_the_list_and_its_step_filter_in_the_chosen_language(admin, lang, heading, step):
    page = admin.get(f"/staff/submissions?lang={lang}").get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in page
    assert f'<option value="Arborist review">{step}</option>' in page
    chosen = admin.get("/staff/submissions?form=tree-permit&status=approved").get_data(
        as_text=True)
    assert "/staff/forms/tree-permit/dashboard" in chosen
    assert "/staff/forms/tree-permit/export?format=xlsx&amp;status=approved" in chosen


def test_audit_actions_token_errors_and_flashes_in_spanish(admin):
    audit = admin.get("/staff/admin/audit?lang=es").get_data(as_text=True)
    assert "Registro de auditoría" in audit and "<td>Inició sesión</td>" in audit
    page = admin.get("/staff/admin/tokens").get_data(as_text=True)
    refused = admin.post("/staff/admin/tokens", data={"csrf_token": csrf_token(page),
                                                      "name": "permits"})
    assert refused.status_code == 400
    assert "Elija al menos un permiso de read, decide, submit." in refused.get_data(as_text=True)
    users = admin.get("/staff/admin/users").get_data(as_text=True)
    made = admin.post("/staff/admin/users", data={
        "csrf_token": csrf_token(users), "email": "bo@city.gov", "name": "Bo",
        "roles": "Not A Role", "password": ""}, follow_redirects=True)
    assert "«Not A Role» no es un nombre de rol." in made.get_data(as_text=True)
    made = admin.post("/staff/admin/users", data={
        "csrf_token": csrf_token(users), "email": "bo@city.gov", "name": "Bo",
        "roles": "parks", "password": ""}, follow_redirects=True)
    assert "Se creó la cuenta de bo@city.gov." in made.get_data(as_text=True)


def test_the_sign_in_refusal_in_chinese(client):
    page = client.get("/staff/sign-in?lang=zh").get_data(as_text=True)
    refused = client.post("/staff/sign-in", data={"csrf_token": csrf_token(page),
                                                  "email": "nobody@city.gov",
                                                  "password": "wrong password"})
    assert "电子邮件地址或密码不正确" in refused.get_data(as_text=True)
