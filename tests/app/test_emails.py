"""One email check: the form, the mail job and staff accounts agree on every address."""

from __future__ import annotations

import pytest
from staff import fast_hashing

from formbuilder.mail.addresses import BadAddress, check_address
from formbuilder.services import accounts
from schemas.emails import BadEmail, check_email
from schemas.formats import format_checker

GOOD = ["ana@example.org", "a+tag@city.gov", "josé@ñandú.es", "用户@例子.广告",
        "o'brien@city.gov", "first.last@sub.city.gov"]
BAD = ["a(b)@x.org", "a..b@x.org", ".a@x.org", "a.@x.org", "bob@localhost", "a@x",
       '"a b"@x.org', "a@[1.2.3.4]", "Bob <bob@x.org>", "a@-x.org", "a@x_y.org", "a@@x.org",
       "a b@x.org", "a" * 250 + "@x.org", "bob@", "@x.org", "a;b@x.org", "a,b@x.org"]


def _form_accepts(address: str) -> bool:
    return format_checker.conforms(address, "email")


def _mail_accepts(address: str) -> bool:
    try:
        check_address(address)
    except BadAddress:
        return False
    return True


def _account_accepts(db, address: str) -> bool:
    fast_hashing()
    try:
        with db.session() as session:
            accounts.create_user(session, address, name="Test", password=None)
            session.rollback()
    except accounts.AccountError as error:
        assert "is not an email address" in str(error)
        return False
    return True


@pytest.mark.parametrize("address", GOOD + BAD)
def test_the_form_the_mail_job_and_staff_accounts_agree(db, address):
    expected = address in GOOD
    assert (_form_accepts(address), _mail_accepts(address),
            _account_accepts(db, address)) == (expected, expected, expected)


def test_the_mail_job_still_refuses_header_injection_in_its_own_words():
    for address in ["a@b.co\r\nBcc: x@y.z", "a@b.co\nBcc: x@y.z", "a\u2028@b.co"]:
        with pytest.raises(BadAddress, match="could add headers"):
            check_address(address)


def test_a_refusal_says_what_is_wrong():
    with pytest.raises(BadEmail, match=r"invalid characters before the @-sign: '\(', '\)'"):
        check_email("a(b)@x.org")
    assert check_email("ana@münchen.de").ascii_domain == "xn--mnchen-3ya.de"
