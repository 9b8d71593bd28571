"""Sign-in through a city's single sign-on (OpenID Connect, authorization code flow + PKCE).

Configured by ``FORMBUILDER_OIDC_ISSUER``, ``_CLIENT_ID`` and ``_CLIENT_SECRET``; the page offers
it only then. The provider proves who someone is; what they may do stays with formbuilder: a
person is matched to an existing, active staff account by their verified email address, and an
admin grants the roles. Nobody gets an account just by holding a city login.

The protocol is Authlib's, not ours: its OAuth 2 client makes the authorization address (state,
nonce, S256 PKCE challenge) and the token exchange, and its OpenID Connect claims check the ID
token (issuer, audience and authorized party, expiry, nonce) after ``joserfc``, the JOSE library
Authlib is built on, has checked the RS256 signature against the provider's published keys. The
ID token comes straight from the token endpoint over TLS and is still checked fully, so a mix-up
or a replayed token is refused. What stays here is policy: RS256 only, keys of 2048 bits or
more, HTTPS except for a provider on this machine, and the words a person reads.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests
from authlib.common.security import is_secure_transport
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata, get_well_known_url
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import RSAKey

from formbuilder.services import accounts
from formbuilder.views.auth import now, safe_next, start_session

blueprint = Blueprint("oidc", __name__, url_prefix="/staff/sign-in/sso")

HTTP_TIMEOUT = 10
CACHE_SECONDS = 3600
FLOW_MINUTES = 10  # how long the trip to the provider and back may take
LEEWAY = timedelta(seconds=60)  # clock difference tolerated with the provider
MIN_KEY_BITS = 2048
ALGORITHM = "RS256"
SCOPE = "openid email profile"

_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


class SignOnError(Exception):
    """Single sign-on did not prove who this is; the message says why in plain words."""


# --- Talking to the provider ---------------------------------------------------------------


def _get_json(url: str) -> Any:
    try:
        response = requests.get(url, headers={"Accept": "application/json"},
                                timeout=HTTP_TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        raise SignOnError("The sign-on service could not be reached.") from error
    if response.status_code != 200:
        raise SignOnError(f"The sign-on service refused the request ({response.status_code}).")
    try:
        return response.json()
    except ValueError as error:
        raise SignOnError("The sign-on service sent something that is not JSON.") from error


def _cached(key: str, fetch: Callable[[], Any], *, fresh: bool = False) -> Any:
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] > time.monotonic() and not fresh:
        return hit[1]
    value = fetch()
    with _cache_lock:
        _cache[key] = (time.monotonic() + CACHE_SECONDS, value)
    return value


def provider() -> OpenIDProviderMetadata:
    """The provider's discovery document, checked (Authlib's rules: HTTPS, or a provider on
    this machine) and cached per process."""
    issuer = current_app.config["OIDC_ISSUER"].rstrip("/")
    if not is_secure_transport(issuer):
        raise SignOnError("The sign-on service's address is not an https address.")
    url = get_well_known_url(issuer, external=True)
    document = OpenIDProviderMetadata(_cached(url, lambda: _get_json(url)))
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise SignOnError("The sign-on service describes itself as another issuer than the "
                          "one configured in FORMBUILDER_OIDC_ISSUER.")
    try:
        document.validate_authorization_endpoint()
        document.validate_token_endpoint()
        document.validate_jwks_uri()
    except ValueError as error:
        raise SignOnError(f"The sign-on service's description cannot be used: {error}.") \
            from error
    return document


def _keys(document: Mapping[str, Any], *, fresh: bool = False) -> dict[str, Any]:
    url = str(document["jwks_uri"])
    found = _cached(url, lambda: _get_json(url), fresh=fresh)
    return found if isinstance(found, dict) else {}


def _client() -> OAuth2Session:
    config = current_app.config
    client = OAuth2Session(config["OIDC_CLIENT_ID"], config.get("OIDC_CLIENT_SECRET") or None,
                           scope=SCOPE, redirect_uri=url_for("oidc.callback", _external=True),
                           code_challenge_method="S256", default_timeout=HTTP_TIMEOUT)
    client.register_client_auth_method(("client_secret_basic", _secret_basic))
    return client


def _secret_basic(client: Any, method: str, uri: str, headers: dict[str, str],
                  body: str) -> tuple[str, dict[str, str], str]:
    """HTTP Basic with the client id and secret form-encoded first, as RFC 6749 (2.3.1) says;
    Authlib sends them raw, which providers that decode them misread (a space, a colon)."""
    pair = f"{quote(client.client_id, safe='')}:{quote(client.client_secret or '', safe='')}"
    headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    return uri, headers, body


# --- ID tokens -------------------------------------------------------------------------------


def signed_claims(token: str, key_set: Mapping[str, Any]) -> jwt.Token:
    """The token, once its RS256 signature is proven by one of ``key_set``'s RSA signing
    keys of at least 2048 bits; :class:`SignOnError` otherwise."""
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError) as error:
        raise SignOnError("The sign-on service sent an ID token that cannot be read.") from error
    if header.get("alg") != ALGORITHM:
        raise SignOnError("The ID token is not signed with RS256, the only method accepted.")
    usable = []
    for entry in key_set.get("keys") or []:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" \
                or entry.get("use", "sig") != "sig":
            continue
        try:
            if len(_unpadded(str(entry["n"]))) * 8 < MIN_KEY_BITS:
                continue
            usable.append(RSAKey.import_key(entry))
        except (JoseError, KeyError, ValueError, TypeError):
            continue
    if header.get("kid") is not None:
        usable = [k for k in usable if k.kid == header["kid"]]
    for key in usable:
        try:
            return jwt.decode(token, key, algorithms=[ALGORITHM])
        except BadSignatureError:
            continue
        except (JoseError, ValueError) as error:
            raise SignOnError("The sign-on service sent an ID token that cannot be read.") \
                from error
    raise SignOnError("The ID token's signature does not match the sign-on service's keys.")


def _unpadded(text: str) -> bytes:
    """A JWK number's bytes without leading zeros: its bit length, before any key is made."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).lstrip(b"\0")


def verify_id_token(token: str, document: Mapping[str, Any], *, client_id: str, nonce: str,
                    at: datetime) -> dict[str, Any]:
    """The token's claims, once its signature and every claim that matters hold.

    A signature no known key proves is tried once more with freshly fetched keys: the
    provider may have rotated them since they were cached.
    """
    try:
        decoded = signed_claims(token, _keys(document))
    except SignOnError:
        decoded = signed_claims(token, _keys(document, fresh=True))
    claims = CodeIDToken(decoded.claims, decoded.header,
                         {"iss": {"essential": True, "values": [str(document["issuer"])]},
                          "aud": {"essential": True, "values": [client_id]}},
                         {"nonce": nonce, "client_id": client_id})
    try:
        claims.validate(now=int(at.timestamp()), leeway=int(LEEWAY.total_seconds()))
    except ExpiredTokenError as error:
        raise SignOnError("The ID token has expired; sign in again.") from error
    except ClaimError as error:
        raise SignOnError(_CLAIM_PROBLEMS.get(error.claim, _UNREADABLE)) from error
    if not isinstance(claims.get("email"), str) or claims.get("email_verified") is not True:
        raise SignOnError("The sign-on service did not confirm an email address for you, so "
                          "no staff account can be matched.")
    return dict(claims)


_UNREADABLE = "The ID token does not say who issued it, for whom, or until when."
_CLAIM_PROBLEMS = {
    "iss": "The ID token was issued by another service.",
    "aud": "The ID token was issued for another application.",
    "azp": "The ID token was issued for another application.",
    "exp": "The ID token has expired; sign in again.",
    "iat": "The ID token has expired; sign in again.",
    "nbf": "The ID token has expired; sign in again.",
    "nonce": "The ID token belongs to another sign-in attempt; sign in again.",
}


# --- The two pages ---------------------------------------------------------------------------


def _problem(message: str, status: int = 400) -> tuple[str, int]:
    current_app.logger.warning("Single sign-on failed: %s", message)
    return render_template("auth/sso_problem.html", message=message), status


@blueprint.route("")
def start() -> Any:
    """Send the browser to the provider with a fresh state, nonce and PKCE challenge."""
    if not current_app.config.get("OIDC_ISSUER"):
        return _problem("Single sign-on is not set up on this server.", 404)
    try:
        document = provider()
    except SignOnError as error:
        return _problem(str(error), 502)
    flow = {"state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
            "verifier": secrets.token_urlsafe(48), "next": safe_next(request.args.get("next")),
            "started": now().isoformat()}
    session["oidc"] = flow
    address, _ = _client().create_authorization_url(
        document["authorization_endpoint"], state=flow["state"],
        code_verifier=flow["verifier"], nonce=flow["nonce"])
    return redirect(address)


@blueprint.route("/callback")
def callback() -> Any:
    flow = session.pop("oidc", None)
    state = request.args.get("state", "")
    if not isinstance(flow, dict) or not secrets.compare_digest(str(flow.get("state")), state):
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
    """Trade the code (with the PKCE verifier) for tokens, then check the ID token."""
    document = provider()
    try:
        answer = _client().fetch_token(document["token_endpoint"], code=code[:2000],
                                       code_verifier=flow["verifier"])
    except OAuthError as error:
        raise SignOnError(f"The sign-on service refused the request ({error.error}).") \
            from error
    except requests.HTTPError as error:
        raise SignOnError("The sign-on service refused the request "
                          f"({getattr(error.response, 'status_code', '?')}).") \
            from error
    except (requests.RequestException, ValueError) as error:
        raise SignOnError("The sign-on service could not be reached or sent something that "
                          "is not JSON.") from error
    token = answer.get("id_token")
    if not isinstance(token, str):
        raise SignOnError("The sign-on service sent no ID token.")
    return verify_id_token(token, document, client_id=current_app.config["OIDC_CLIENT_ID"],
                           nonce=flow["nonce"], at=now())
