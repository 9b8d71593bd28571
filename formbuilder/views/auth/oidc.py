"""Sign-in through a city's single sign-on (OpenID Connect, authorization code flow + PKCE).

Configured by ``FORMBUILDER_OIDC_ISSUER``, ``_CLIENT_ID`` and ``_CLIENT_SECRET``; the page offers
it only then. The provider proves who someone is; what they may do stays with formbuilder: a
person is matched to an existing, active staff account by their verified email address, and an
admin grants the roles. Nobody gets an account just by holding a city login.

The ID token comes straight from the token endpoint over TLS, and is still checked fully
(RS256 signature against the provider's published keys, issuer, audience, expiry, nonce), so a
mix-up or a replayed token is refused. RS256 verification is a few lines of integer arithmetic
(RFC 8017, RSASSA-PKCS1-v1_5), which spares the app a cryptography dependency.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from formbuilder.services import accounts
from formbuilder.views.auth import now, safe_next, start_session

blueprint = Blueprint("oidc", __name__, url_prefix="/staff/sign-in/sso")

HTTP_TIMEOUT = 10
CACHE_SECONDS = 3600
FLOW_MINUTES = 10  # how long the trip to the provider and back may take
LEEWAY = timedelta(seconds=60)  # clock difference tolerated with the provider
MIN_KEY_BITS = 2048
# DER prefix of a SHA-256 DigestInfo (RFC 8017, section 9.2, note 1).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
LOOPBACK = ("127.0.0.1", "localhost", "::1")

_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


class SignOnError(Exception):
    """Single sign-on did not prove who this is; the message says why in plain words."""


# --- Talking to the provider ---------------------------------------------------------------


def _get_json(url: str, *, data: dict[str, str] | None = None,
              auth: tuple[str, str] | None = None) -> Any:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Accept": "application/json"})
    if auth is not None:
        pair = f"{urllib.parse.quote(auth[0], safe='')}:{urllib.parse.quote(auth[1], safe='')}"
        req.add_header("Authorization", "Basic " + base64.b64encode(pair.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as response:
            return json.loads(response.read(1_000_000))
    except urllib.error.HTTPError as error:
        raise SignOnError(f"The sign-on service refused the request ({error.code}).") from error
    except (OSError, ValueError) as error:
        raise SignOnError("The sign-on service could not be reached or sent something that "
                          "is not JSON.") from error


def _cached(key: str, fetch: Any, *, fresh: bool = False) -> Any:
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] > time.monotonic() and not fresh:
        return hit[1]
    value = fetch()
    with _cache_lock:
        _cache[key] = (time.monotonic() + CACHE_SECONDS, value)
    return value


def _checked_url(url: Any, what: str) -> str:
    """Only HTTPS, except for a provider on this machine (development and tests)."""
    parts = urllib.parse.urlsplit(url if isinstance(url, str) else "")
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK):
        return str(url)
    raise SignOnError(f"The sign-on service's {what} is not an https address.")


def provider() -> dict[str, Any]:
    """The provider's discovery document, checked and cached per process."""
    issuer = current_app.config["OIDC_ISSUER"].rstrip("/")
    url = _checked_url(issuer, "address") + "/.well-known/openid-configuration"
    document = _cached(url, lambda: _get_json(url))
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer:
        raise SignOnError("The sign-on service describes itself as another issuer than the "
                          "one configured in FORMBUILDER_OIDC_ISSUER.")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        _checked_url(document.get(key), key.replace("_", " "))
    return document


def _keys(document: dict[str, Any], *, fresh: bool = False) -> list[dict[str, Any]]:
    url = document["jwks_uri"]
    found = _cached(url, lambda: _get_json(url), fresh=fresh)
    keys = found.get("keys") if isinstance(found, dict) else None
    return [k for k in keys if isinstance(k, dict)] if isinstance(keys, list) else []


# --- ID tokens -------------------------------------------------------------------------------


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def rsa_verify(n: int, e: int, message: bytes, signature: bytes) -> bool:
    """RSASSA-PKCS1-v1_5 with SHA-256: is ``signature`` the key's signature of ``message``?"""
    size = (n.bit_length() + 7) // 8
    if n.bit_length() < MIN_KEY_BITS or len(signature) != size:
        return False
    value = int.from_bytes(signature, "big")
    if value >= n:
        return False
    encoded = pow(value, e, n).to_bytes(size, "big")
    digest = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    expected = b"\x00\x01" + b"\xff" * (size - 3 - len(digest)) + b"\x00" + digest
    return hmac.compare_digest(encoded, expected)


def verify_id_token(token: str, document: dict[str, Any], *, client_id: str, nonce: str,
                    at: datetime) -> dict[str, Any]:
    """The token's claims, once its signature and every claim that matters hold."""
    try:
        head_part, claims_part, signature_part = token.split(".")
        header = json.loads(_b64(head_part))
        claims = json.loads(_b64(claims_part))
        signature = _b64(signature_part)
    except ValueError as error:
        raise SignOnError("The sign-on service sent an ID token that cannot be read.") from error
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise SignOnError("The sign-on service sent an ID token that cannot be read.")
    if header.get("alg") != "RS256":
        raise SignOnError("The ID token is not signed with RS256, the only method accepted.")
    signed = f"{head_part}.{claims_part}".encode()

    def matching(keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [k for k in keys if k.get("kty") == "RSA" and k.get("use", "sig") == "sig"
                and (header.get("kid") is None or k.get("kid") == header.get("kid"))]

    candidates = matching(_keys(document)) or matching(_keys(document, fresh=True))
    try:
        valid = any(rsa_verify(int.from_bytes(_b64(k["n"]), "big"),
                               int.from_bytes(_b64(k["e"]), "big"), signed, signature)
                    for k in candidates)
    except (KeyError, TypeError, ValueError):
        valid = False
    if not valid:
        raise SignOnError("The ID token's signature does not match the sign-on service's keys.")
    _check_claims(claims, document, client_id=client_id, nonce=nonce, at=at)
    return claims


def _check_claims(claims: dict[str, Any], document: dict[str, Any], *, client_id: str,
                  nonce: str, at: datetime) -> None:
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if str(claims.get("iss", "")).rstrip("/") != str(document["issuer"]).rstrip("/"):
        raise SignOnError("The ID token was issued by another service.")
    if client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != client_id):
        raise SignOnError("The ID token was issued for another application.")
    expires, issued = claims.get("exp"), claims.get("iat")
    if not isinstance(expires, int | float) or not isinstance(issued, int | float):
        raise SignOnError("The ID token does not say when it expires.")
    if datetime.fromtimestamp(expires, at.tzinfo) + LEEWAY < at or \
            datetime.fromtimestamp(issued, at.tzinfo) - LEEWAY > at:
        raise SignOnError("The ID token has expired; sign in again.")
    if not isinstance(claims.get("nonce"), str) or \
            not hmac.compare_digest(claims["nonce"], nonce):
        raise SignOnError("The ID token belongs to another sign-in attempt; sign in again.")
    if not isinstance(claims.get("email"), str) or claims.get("email_verified") is not True:
        raise SignOnError("The sign-on service did not confirm an email address for you, so "
                          "no staff account can be matched.")


# --- The two pages ---------------------------------------------------------------------------


def _problem(message: str, status: int = 400) -> tuple[str, int]:
    current_app.logger.warning("Single sign-on failed: %s", message)
    return render_template("auth/sso_problem.html", message=message), status


def _redirect_uri() -> str:
    return url_for("oidc.callback", _external=True)


@blueprint.route("")
def start() -> Any:
    """Send the browser to the provider with a fresh state, nonce and PKCE challenge."""
    if not current_app.config.get("OIDC_ISSUER"):
        return _problem("Single sign-on is not set up on this server.", 404)
    try:
        document = provider()
    except SignOnError as error:
        return _problem(str(error), 502)
    verifier = secrets.token_urlsafe(48)
    flow = {"state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
            "verifier": verifier, "next": safe_next(request.args.get("next")),
            "started": now().isoformat()}
    session["oidc"] = flow
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": current_app.config["OIDC_CLIENT_ID"],
        "redirect_uri": _redirect_uri(), "scope": "openid email profile",
        "state": flow["state"], "nonce": flow["nonce"], "code_challenge": challenge,
        "code_challenge_method": "S256"})
    endpoint = document["authorization_endpoint"]
    return redirect(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}")


@blueprint.route("/callback")
def callback() -> Any:
    flow = session.pop("oidc", None)
    state = request.args.get("state", "")
    if not isinstance(flow, dict) or not hmac.compare_digest(str(flow.get("state")), state):
        return _problem("This sign-in link is not the one this browser started, or it was "
                        "already used. Start again from the sign-in page.")
    try:
        started = datetime.fromisoformat(flow["started"])
    except (KeyError, TypeError, ValueError):
        started = None
    if started is None or now() - started > timedelta(minutes=FLOW_MINUTES):
        return _problem("The sign-in took too long. Start again from the sign-in page.")
    if request.args.get("error"):
        return _problem("The sign-on service did not sign you in "
                        f"({request.args.get('error', '')[:100]}).")
    code = request.args.get("code", "")
    if not code:
        return _problem("The sign-on service sent no authorization code.")
    try:
        claims = _exchange(code, flow)
    except SignOnError as error:
        return _problem(str(error))
    email = accounts.normal_email(claims["email"])
    with current_app.extensions["db"].session() as db:
        user = accounts.find_user(db, email, for_update=True)
        if user is None or not user.active:
            return _problem(f"There is no active staff account for {email}. Ask an "
                            "administrator to add you; single sign-on then works at once.",
                            403)
        accounts.signed_in(db, user, now())
    start_session(user)
    target = flow.get("next") if isinstance(flow.get("next"), str) else None
    return redirect(safe_next(target) or url_for("auth.sign_in"))


def _exchange(code: str, flow: dict[str, Any]) -> dict[str, Any]:
    document = provider()
    config = current_app.config
    answer = _get_json(document["token_endpoint"], data={
        "grant_type": "authorization_code", "code": code[:2000],
        "redirect_uri": _redirect_uri(), "code_verifier": flow["verifier"],
        "client_id": config["OIDC_CLIENT_ID"]},
        auth=(config["OIDC_CLIENT_ID"], config.get("OIDC_CLIENT_SECRET") or ""))
    token = answer.get("id_token") if isinstance(answer, dict) else None
    if not isinstance(token, str):
        raise SignOnError("The sign-on service sent no ID token.")
    return verify_id_token(token, document, client_id=config["OIDC_CLIENT_ID"],
                           nonce=flow["nonce"], at=now())
