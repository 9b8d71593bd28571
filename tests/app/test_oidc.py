"""Single sign-on against a tiny OpenID Connect provider that the test serves on 127.0.0.1:
discovery, keys and a token endpoint that checks PKCE, with ID tokens signed by a key made
here (RSA in plain integers: the app's verifier is checked against an independent signer)."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from staff import make_app, make_staff

from formbuilder.services import accounts
from formbuilder.views.auth import oidc

CLIENT_ID, CLIENT_SECRET = "formbuilder-test", "s3cret value"
# DER prefix of a SHA-256 DigestInfo (RFC 8017, section 9.2, note 1): the test's own signer.
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
SMALL_PRIMES = [p for p in range(3, 2000, 2) if all(p % d for d in range(3, int(p**0.5) + 1, 2))]


def _probably_prime(n: int, rng: random.Random) -> bool:
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(24):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, rng: random.Random) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if all(candidate % p for p in SMALL_PRIMES) and _probably_prime(candidate, rng):
            return candidate


class RsaKey:
    def __init__(self, kid: str, bits: int = 2048) -> None:
        rng = random.SystemRandom()
        self.kid, self.e = kid, 65537
        while True:
            p, q = _prime(bits // 2, rng), _prime(bits // 2, rng)
            phi = (p - 1) * (q - 1)
            if p != q and phi % self.e:
                break
        self.n, self.d = p * q, pow(self.e, -1, phi)

    def jwk(self) -> dict[str, str]:
        size = (self.n.bit_length() + 7) // 8
        return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                "n": b64(self.n.to_bytes(size, "big")), "e": b64(self.e.to_bytes(3, "big"))}

    def sign(self, message: bytes) -> bytes:
        size = (self.n.bit_length() + 7) // 8
        digest = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
        encoded = b"\x00\x01" + b"\xff" * (size - 3 - len(digest)) + b"\x00" + digest
        return pow(int.from_bytes(encoded, "big"), self.d, self.n).to_bytes(size, "big")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(key: RsaKey, claims: dict[str, Any], *, alg: str = "RS256") -> str:
    head = b64(json.dumps({"alg": alg, "kid": key.kid, "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    return f"{head}.{body}.{b64(key.sign(f'{head}.{body}'.encode()))}"


class Provider:
    """The city's sign-on service, reduced to what the flow needs."""

    def __init__(self, key: RsaKey) -> None:
        self.key = key
        self.codes: dict[str, dict[str, Any]] = {}
        self.exchanges: list[dict[str, Any]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def reply(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    self.reply(200, {"issuer": provider.issuer,
                                     "authorization_endpoint": provider.issuer + "/authorize",
                                     "token_endpoint": provider.issuer + "/token",
                                     "jwks_uri": provider.issuer + "/jwks"})
                elif self.path == "/jwks":
                    self.reply(200, {"keys": [provider.key.jwk()]})
                else:
                    self.reply(404, {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                self.reply(*provider.token(form, self.headers.get("Authorization", "")))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def grant(self, query: dict[str, list[str]], email: str, **claims: Any) -> str:
        """What the provider does when the person signs in on its own page: a code."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"query": {k: v[0] for k, v in query.items()}, "email": email,
                            "claims": claims}
        return code

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, Any]:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:s3cret%20value".encode()).decode()
        grant = self.codes.pop(form.get("code", ""), None)
        if authorization != expected or grant is None:
            return 401, {"error": "invalid_client"}
        query = grant["query"]
        challenge = b64(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
        self.exchanges.append({"pkce": challenge == query["code_challenge"],
                               "redirect_uri": form.get("redirect_uri") == query["redirect_uri"]})
        if not all(self.exchanges[-1].values()):
            return 400, {"error": "invalid_grant"}
        issued = int(time.time())
        claims = {"iss": self.issuer, "sub": "u-" + grant["email"], "aud": CLIENT_ID,
                  "exp": issued + 300, "iat": issued, "nonce": query["nonce"],
                  "email": grant["email"], "email_verified": True, **grant["claims"]}
        claims = {k: v for k, v in claims.items() if v is not None}
        signer = claims.pop("_signer", self.key)
        alg = claims.pop("_alg", "RS256")
        return 200, {"access_token": "at", "token_type": "Bearer",
                     "id_token": jwt(signer, claims, alg=alg)}


@pytest.fixture(scope="module")
def keys() -> dict[str, RsaKey]:
    return {"city": RsaKey("city-1"), "other": RsaKey("city-1")}


@pytest.fixture(scope="module")
def provider(keys):
    running = Provider(keys["city"])
    yield running
    running.server.shutdown()


@pytest.fixture
def app(db, tmp_path, provider):
    oidc._cache.clear()
    return make_app(db, tmp_path, OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID=CLIENT_ID,
                    OIDC_CLIENT_SECRET=CLIENT_SECRET)


@pytest.fixture
def client(app):
    return app.test_client()


def go_to_provider(client, provider, next: str | None = None) -> dict[str, list[str]]:
    response = client.get("/staff/sign-in/sso", query_string={"next": next} if next else {})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(provider.issuer + "/authorize?")
    return parse_qs(urlsplit(location).query)


def come_back(client, query, code: str, state: str | None = None):
    return client.get("/staff/sign-in/sso/callback",
                      query_string={"code": code, "state": state or query["state"][0]})


def signed_in(client) -> bool:
    return client.get("/staff/admin/users").status_code == 200


def test_a_staff_member_signs_in_with_single_sign_on(db, client, provider):
    make_staff(db, "sso@city.gov", password=None, admin=True)
    assert "Sign in with the city" in client.get("/staff/sign-in").get_data(as_text=True)
    query = go_to_provider(client, provider, next="/staff/admin/users")
    assert query["client_id"] == [CLIENT_ID] and query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://localhost/staff/sign-in/sso/callback"]
    assert "openid" in query["scope"][0].split() and "email" in query["scope"][0].split()
    response = come_back(client, query, provider.grant(query, "SSO@city.gov"))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/staff/admin/users"
    assert provider.exchanges[-1] == {"pkce": True, "redirect_uri": True}
    assert signed_in(client)
    with db.session() as session:
        assert accounts.find_user(session, "sso@city.gov").last_login_at is not None


@pytest.mark.parametrize(("claims", "message"), [
    ({"_signer": "other"}, "signature does not match"),
    ({"_alg": "HS256"}, "only method accepted"),
    ({"aud": "another-app"}, "for another application"),
    ({"aud": [CLIENT_ID, "another-app"]}, "for another application"),
    ({"iss": "https://evil.example"}, "issued by another service"),
    ({"exp": 1_000_000_000}, "has expired"),
    ({"nonce": "replayed-from-elsewhere"}, "another sign-in attempt"),
    ({"email_verified": False}, "did not confirm an email address"),
    ({"email_verified": None}, "did not confirm an email address"),
])
def test_an_id_token_that_does_not_hold_is_refused(db, client, provider, keys, claims,
                                                   message):
    make_staff(db, "sso@city.gov", password=None, admin=True)
    if claims.get("_signer"):
        claims = {**claims, "_signer": keys[claims["_signer"]]}
    query = go_to_provider(client, provider)
    response = come_back(client, query, provider.grant(query, "sso@city.gov", **claims))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert not signed_in(client)


def test_a_wrong_code_verifier_is_refused_by_the_provider(db, client, provider):
    make_staff(db, "sso@city.gov", password=None, admin=True)
    query = go_to_provider(client, provider)
    query["code_challenge"] = [b64(hashlib.sha256(b"someone else's verifier").digest())]
    response = come_back(client, query, provider.grant(query, "sso@city.gov"))
    assert response.status_code == 400
    assert provider.exchanges[-1]["pkce"] is False
    assert not signed_in(client)


def test_a_forged_or_replayed_state_is_refused(db, client, provider):
    make_staff(db, "sso@city.gov", password=None, admin=True)
    query = go_to_provider(client, provider)
    assert come_back(client, query, provider.grant(query, "sso@city.gov"),
                     state="forged").status_code == 400
    query = go_to_provider(client, provider)
    code = provider.grant(query, "sso@city.gov")
    assert come_back(client, query, code).status_code == 302
    staff_cookie = client.get_cookie("formbuilder_session")
    assert staff_cookie is not None
    second = come_back(client, query, provider.grant(query, "sso@city.gov"))
    assert second.status_code == 400
    assert "already used" in second.get_data(as_text=True)


@pytest.mark.parametrize("deactivated", [False, True])
def test_only_existing_active_accounts_are_matched(db, client, provider, deactivated):
    if deactivated:
        make_staff(db, "sso@city.gov", password=None, admin=True)
        with db.session() as session:
            accounts.deactivate(session, accounts.find_user(session, "sso@city.gov"))
    query = go_to_provider(client, provider)
    response = come_back(client, query, provider.grant(query, "sso@city.gov"))
    assert response.status_code == 403
    assert "There is no active staff account for sso@city.gov" in response.get_data(
        as_text=True)
    assert not signed_in(client)
    with db.session() as session:
        assert (accounts.find_user(session, "sso@city.gov") is None) is not deactivated


def test_without_configuration_there_is_no_single_sign_on(db, tmp_path):
    client = make_app(db, tmp_path).test_client()
    assert "single sign-on" not in client.get("/staff/sign-in").get_data(as_text=True)
    assert client.get("/staff/sign-in/sso").status_code == 404


def test_rsa_verify_refuses_a_changed_message_and_short_keys(keys):
    key = keys["city"]
    token = jwt(key, {"message": "message"})
    assert oidc.signed_claims(token, {"keys": [key.jwk()]}).claims == {"message": "message"}
    head, body, signature = token.split(".")
    changed = f"{head}.{b64(json.dumps({'message': 'messagf'}).encode())}.{signature}"
    with pytest.raises(oidc.SignOnError, match="signature does not match"):
        oidc.signed_claims(changed, {"keys": [key.jwk()]})
    broken = f"{head}.{body}.{b64(key.sign(f'{head}.{body}'.encode())[:-1] + bytes(1))}"
    with pytest.raises(oidc.SignOnError, match="signature does not match"):
        oidc.signed_claims(broken, {"keys": [key.jwk()]})
    small = RsaKey("small", bits=1024)
    with pytest.raises(oidc.SignOnError, match="signature does not match"):
        oidc.signed_claims(jwt(small, {"message": "message"}), {"keys": [small.jwk()]})
