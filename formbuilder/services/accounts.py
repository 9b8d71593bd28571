"""Staff accounts: creating them, their roles, passwords (argon2) and the sign-in lockout.

Functions take a database session and no request, so the ``formbuilder users`` commands, the
admin page and the sign-in page share one set of rules. Failed sign-ins are counted on the
user's row, so a lockout holds across every web process. What happens is logged to the app's
logger when there is an app (the web pages), else to this module's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from formbuilder.models import Membership, User, utcnow
from schemas.emails import is_email
from schemas.i18n import Words

_log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # hashing a megabyte-long "password" is a cheap denial of service
# The same rule as a form's routing (docs/FORMAT.md): lower case, digits and dashes.
ROLE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")

# Lower-cased; a long password that is only one of these, repeated, is refused too.
COMMON_PASSWORDS = frozenset({
    "123456789012", "1234567890123", "12345678901234", "123456123456", "111111111111",
    "000000000000", "password1234", "password12345", "passwordpassword", "qwertyuiop12",
    "qwertyuiopasdf", "1q2w3e4r5t6y", "iloveyou1234", "letmein12345", "welcome12345",
    "changeme1234", "administrator", "admin1234567", "abc123abc123", "football1234",
    "baseball1234", "monkey123456", "sunshine1234", "princess1234", "trustno1trustno1",
    "correcthorsebatterystaple", "aaaaaaaaaaaa", "qwerty123456", "password123!",
    "p@ssw0rd1234", "passw0rd1234", "summer2024!!", "winter2024!!",
})
_COMMON_UNITS = ("password", "qwerty", "123456", "abc123", "letmein", "welcome", "admin")

_hasher = PasswordHasher()  # argon2id, RFC 9106's low-memory profile
_dummy: tuple[PasswordHasher, str] | None = None



class AccountError(ValueError):
    """A request about an account that cannot be done; the message says why in plain words."""


def use_hasher(hasher: PasswordHasher) -> None:
    """Choose the argon2 parameters for new hashes (cheaper ones make tests fast).

    Stored hashes carry their own parameters, so they keep verifying, and are rehashed with
    the new ones at the next successful sign-in.
    """
    global _hasher
    _hasher = hasher


def normal_email(email: str) -> str:
    return email.strip().lower()


def password_problem(password: str) -> str | None:
    """Why this password may not be used, or ``None`` when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return Words("The password must be at least %(num)s characters long. A few "
                     "unrelated words make a long password that is easy to remember.",
                     num=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return Words("The password must be at most %(num)s characters long.",
                     num=MAX_PASSWORD_LENGTH)
    folded = password.lower()
    squeezed = re.sub(r"[\s_-]+", "", folded)
    if (folded in COMMON_PASSWORDS or squeezed in COMMON_PASSWORDS or len(set(folded)) <= 2
            or any(folded == unit * (len(folded) // len(unit)) + unit[:len(folded) % len(unit)]
                   for unit in _COMMON_UNITS)):
        return Words("This password is one of the most common passwords, which are the "
                     "first ones attackers try. Choose another one.")
    return None


def hash_password(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    return _hasher.hash(password)


def _verify(stored: str | None, password: str) -> bool:
    """Whether the password matches; an account without one (single sign-on) never does."""
    global _dummy
    if stored is None:
        # The same work as a real check, so timing does not tell which accounts exist.
        if _dummy is None or _dummy[0] is not _hasher:
            _dummy = (_hasher, _hasher.hash("not the password of anyone at all"))
        _check(_dummy[1], password)
        return False
    return _check(stored, password)


def _check(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password[:MAX_PASSWORD_LENGTH])
    except (VerificationError, InvalidHashError):
        return False


# --- Accounts ----------------------------------------------------------------------------------


def parse_roles(text: str | Iterable[str]) -> list[str]:
    """Role names from a comma-separated list (or one per line), lower-cased, each once."""
    pieces = re.split(r"[,\n]", text) if isinstance(text, str) else list(text)
    roles: list[str] = []
    for piece in pieces:
        role = piece.strip().lower()
        if not role:
            continue
        if not ROLE_PATTERN.match(role):
            raise AccountError(Words(
                "“%(role)s” is not a role name. A role is written in lower-case letters, "
                "digits and dashes, like public-works-supervisor, exactly as the form's "
                "routing names it.", role=piece.strip()[:100]))
        if role not in roles:
            roles.append(role)
    return roles


def find_user(session: Session, email: str, *, for_update: bool = False) -> User | None:
    query = select(User).where(User.email == normal_email(email))
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def create_user(session: Session, email: str, *, name: str = "", roles: Iterable[str] = (),
                password: str | None = None, admin: bool = False,
                now: datetime | None = None) -> User:
    """A new active staff member; without a password they can only use single sign-on."""
    email = normal_email(email)
    if not is_email(email):  # the check forms and the mail job use: staff get their emails
        raise AccountError(Words("“%(email)s” is not an email address. Write it like "
                                 "name@city.gov.", email=email[:100]))
    name = " ".join(name.split())
    if len(name) > 200:
        raise AccountError(Words("The name must be at most %(num)s characters long.",
                                 num=200))
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AccountError(Words("There is already an account for %(email)s.",
                                 email=email))
    user = User(email=email, name=name, is_admin=admin, active=True,
                password_hash=hash_password(password) if password is not None else None,
                created_at=now or utcnow())
    user.memberships = [Membership(role=role) for role in parse_roles(roles)]
    session.add(user)
    session.flush()
    _log.info("Staff account created for %s (roles: %s%s)", email,
             ", ".join(sorted(user.roles)) or "none", "; admin" if admin else "")
    return user


def set_roles(session: Session, user: User, roles: Iterable[str]) -> None:
    wanted = parse_roles(roles)
    user.memberships = [m for m in user.memberships if m.role in wanted] + [
        Membership(role=role) for role in wanted if role not in user.roles]
    session.flush()
    _log.info("Roles of %s set to: %s", user.email, ", ".join(sorted(wanted)) or "none")


def set_password(session: Session, user: User, password: str) -> None:
    """A new password; every session the person had ends."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    session.flush()


def deactivate(session: Session, user: User) -> None:
    """The account stays (the history names it) but can no longer sign in; sessions end."""
    user.active = False
    user.session_version += 1
    session.flush()
    _log.info("Staff account %s deactivated", user.email)


def end_sessions(session: Session, user_id: int) -> None:
    """Sign the person out everywhere: every cookie naming the old version stops working."""
    user = session.get(User, user_id)
    if user is not None:
        user.session_version += 1
        session.flush()


def reactivate(session: Session, user: User) -> None:
    user.active = True
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    _log.info("Staff account %s reactivated", user.email)


# --- Signing in ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to. ``user`` is set only when it succeeded."""

    outcome: Literal["ok", "wrong", "locked", "inactive"]
    user: User | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def authenticate(session: Session, email: str, password: str, now: datetime) -> SignIn:
    """Check an email and password, counting failures in a row for the log.

    The account is never locked by failures: that would let anyone lock staff out at will.
    Guessing is stopped per client by the sign-in throttle (``views.throttle``). A
    ``locked_until`` an older version set is still honoured until it passes.
    """
    user = find_user(session, email, for_update=True)
    matches = _verify(user.password_hash if user else None, password)
    if user is None:
        _log.warning("Sign-in failed: no account for %r", normal_email(email)[:320])
        return SignIn("wrong")
    if user.locked_until is not None and user.locked_until > now:
        _log.warning("Sign-in refused: %s is locked until %s", user.email,
                    user.locked_until.isoformat())
        return SignIn("locked")
    if not user.active:
        _log.warning("Sign-in refused: %s is deactivated", user.email)
        return SignIn("inactive")
    if not matches:
        # Counted for the log only: locking the account here would let anyone lock a staff
        # member out at will. The guessing client is locked out instead (views.throttle).
        user.failed_logins += 1
        _log.warning("Sign-in failed for %s: wrong password (%d in a row)", user.email,
                     user.failed_logins)
        session.flush()
        return SignIn("wrong")
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.flush()
    _log.info("Signed in: %s", user.email)
    return SignIn("ok", user)


def signed_in(session: Session, user: User, now: datetime) -> None:
    """Record a sign-in that another proof (single sign-on) has already established."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.flush()
    _log.info("Signed in through single sign-on: %s", user.email)
