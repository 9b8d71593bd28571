"""Staff members for tests: accounts made straight in the database, and a person who signs in
and out through the real sign-in page (with its CSRF token), the way a browser does.

Accounts are hashed with cheap argon2 parameters (:data:`FAST_HASHER`): the production ones
cost a second of CPU per sign-in on a busy test machine. Stored hashes name their parameters,
so the app verifies them all the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from resident import _CSRF

from formbuilder.app import create_app
from formbuilder.database import Database
from formbuilder.models import User
from formbuilder.services import accounts

DEFAULT_PASSWORD = "plum tram quietly harbour"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
SECRET_KEY = "test-secret"


def fast_hashing() -> None:
    accounts.use_hasher(FAST_HASHER)


def make_app(database: Database, tmp_path: Path, **config: Any) -> Any:
    """An app on ``database``, for tests that need no published forms."""
    return create_app({"TESTING": True, "DATABASE": database, "SECRET_KEY": SECRET_KEY,
                       "UPLOAD_DIR": str(tmp_path / "uploads"), **config})


def make_staff(database: Database, email: str, roles: Iterable[str] = (), *,
               password: str | None = DEFAULT_PASSWORD, admin: bool = False,
               name: str = "") -> User:
    """A new active staff account; ``password=None`` makes a single-sign-on-only account."""
    fast_hashing()
    with database.session() as session:
        user = accounts.create_user(session, email, name=name or email.split("@")[0].title(),
                                    roles=roles, password=password, admin=admin)
        user.roles  # noqa: B018 - readable after the session closes
    return user


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has a CSRF token"
    return found.group(1)


class StaffActions:
    """What a staff member does with the browser (a Flask test client), in the test's words."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def sign_in(self, email: str, password: str = DEFAULT_PASSWORD, *, next: str | None = None,
                check: bool = True) -> Any:
        """Post the sign-in form; with ``check`` (the default) insist that it worked."""
        url = "/staff/sign-in" + (f"?next={next}" if next else "")
        page = self.client.get(url)
        data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "email": email,
                "password": password}
        if next:
            data["next"] = next
        response = self.client.post("/staff/sign-in", data=data)
        if check:
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    def sign_out(self) -> Any:
        """Press "Sign out" (a POST with the session's CSRF token)."""
        page = self.client.get("/track")
        response = self.client.post(
            "/staff/sign-out", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response
