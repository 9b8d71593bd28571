"""Mail to a relay that speaks TLS and asks for a password, as a city's relay does: STARTTLS
(port 587) and TLS from the first byte (465), the certificate checked against the city's own
authority (``SMTP_CA_FILE``), and SMTP AUTH only over the encrypted connection."""

from __future__ import annotations

from pathlib import Path

import pytest
from certificates import Certificates, make_certificates
from smtp import mail_server

from formbuilder.config import SettingError, from_environment
from formbuilder.mail import smtp as smtp_client
from formbuilder.mail.addresses import check_address
from formbuilder.mail.compose import Letter
from formbuilder.mail.messages import build
from formbuilder.mail.settings import MailSettings
from formbuilder.models import utcnow

USERS = {"forms-relay": "correct horse battery staple"}
RESIDENT = check_address("resident@example.org")
# The implicit-TLS relay asks for a password without aiosmtpd knowing the line is encrypted.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


def settings(port: int, **extra: object) -> MailSettings:
    return MailSettings.from_config({"MAIL": "smtp", "SMTP_HOST": "127.0.0.1",
                                     "SMTP_PORT": port, "SMTP_TIMEOUT": 5.0,
                                     "MAIL_FROM": "City of Example <forms@example.gov>",
                                     **extra})


def send(config: MailSettings, subject: str = "Your permit") -> None:
    message = build(Letter(subject=subject, city="City", heading="Heading", paragraphs=["Hi"]),
                    config, lang="en", msgid="<1.tls.receipt@example.gov>", date=utcnow())
    smtp_client.send(config, message, RESIDENT)


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "implicit-tls"])
def test_mail_goes_encrypted_and_signed_in_to_a_relay_the_city_trusts(certificates, implicit):
    with mail_server(tls=certificates.server_context(), implicit_tls=implicit,
                     users=USERS) as server:
        send(settings(server.port, SMTP_STARTTLS=not implicit, SMTP_SSL=implicit,
                      SMTP_CA_FILE=str(certificates.ca_file), SMTP_USERNAME="forms-relay",
                      SMTP_PASSWORD=USERS["forms-relay"]))
    [received] = server.received
    assert received.encrypted and received.login == "forms-relay"
    assert received.recipients == ["resident@example.org"]
    assert received.message["Subject"] == "Your permit"


def test_a_certificate_no_trusted_authority_signed_is_refused_and_tried_again_later(
        certificates):
    """Without the city's authority the relay cannot prove who it is: nothing is sent (the
    password included), and the job is retried, saying why, until an admin fixes it."""
    with mail_server(tls=certificates.server_context(), users=USERS) as server, \
            pytest.raises(smtp_client.TemporaryFailure, match="CERTIFICATE_VERIFY_FAILED"):
        send(settings(server.port, SMTP_STARTTLS=True, SMTP_USERNAME="forms-relay",
                      SMTP_PASSWORD=USERS["forms-relay"]))
    assert server.received == []


def test_a_certificate_for_another_name_is_refused(tmp_path):
    elsewhere = make_certificates(tmp_path, names=("relay.example.gov",))
    with mail_server(tls=elsewhere.server_context()) as server, \
            pytest.raises(smtp_client.TemporaryFailure, match=r"match|mismatch"):
        send(settings(server.port, SMTP_STARTTLS=True,
                      SMTP_CA_FILE=str(elsewhere.ca_file)))
    assert server.received == []


def test_a_wrong_password_is_tried_again_later_with_the_servers_words(certificates):
    with mail_server(tls=certificates.server_context(), users=USERS) as server, \
            pytest.raises(smtp_client.TemporaryFailure, match="535"):
        send(settings(server.port, SMTP_STARTTLS=True, SMTP_USERNAME="forms-relay",
                      SMTP_PASSWORD="wrong", SMTP_CA_FILE=str(certificates.ca_file)))
    assert server.received == []


def test_a_relay_that_requires_starttls_refuses_mail_sent_without_it(certificates):
    with mail_server(tls=certificates.server_context()) as server, \
            pytest.raises(smtp_client.TemporaryFailure, match="STARTTLS"):
        send(settings(server.port))
    assert server.received == []


def test_the_authority_file_is_checked_when_the_settings_are_read(tmp_path: Path,
                                                                  certificates):
    good = from_environment({"FORMBUILDER_SMTP_CA_FILE": str(certificates.ca_file)})
    assert good["SMTP_CA_FILE"] == str(certificates.ca_file)
    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("not a certificate")
    for path in (tmp_path / "missing.pem", not_pem):
        with pytest.raises(SettingError, match=r"FORMBUILDER_SMTP_CA_FILE .* not a readable "
                                               r"file of PEM certificates"):
            from_environment({"FORMBUILDER_SMTP_CA_FILE": str(path)})


@pytest.mark.parametrize("host", ["relay.example.gov", "10.0.0.25"])
def test_a_password_is_never_sent_over_an_unencrypted_connection(host):
    with pytest.raises(ValueError, match="plain text: set FORMBUILDER_SMTP_STARTTLS=1"):
        settings(25, SMTP_HOST=host, SMTP_USERNAME="forms-relay", SMTP_PASSWORD="secret")
    assert settings(587, SMTP_HOST=host, SMTP_USERNAME="forms-relay", SMTP_PASSWORD="secret",
                    SMTP_STARTTLS=True).starttls
    assert settings(25, SMTP_HOST=host).username is None


def test_a_relay_on_this_machine_may_take_a_password_without_tls():
    """A local relay, or a TLS tunnel to the real one: nothing crosses the network."""
    assert settings(25, SMTP_HOST="localhost", SMTP_USERNAME="u").username == "u"
    assert settings(25, SMTP_HOST="::1", SMTP_USERNAME="u").username == "u"
