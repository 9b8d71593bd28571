"""Staff members and residents in the browser after a form is sent: sign in, a form's
publication, the inbox, a submission's decisions, a resident's return for changes and
``/track``, by what pages show.

Like :mod:`resident`, everything is found by visible labels, roles and names (the staff pages
are in English; the resident's pages in the resident's language), and ``audit(page)`` is
called on every page loaded (the browser tests pass ``axe.assert_accessible``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from resident import gettext
from staff import DEFAULT_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

DECISIONS = {"approve": "Approve", "reject": "Reject",
             "return": "Return to the resident for changes"}


def press(page: Page, control: Locator) -> None:
    """Click a control that loads a new page, and wait until it has loaded."""
    with page.expect_navigation(wait_until="load"):
        control.click()


class Approver:
    """A staff member with a browser of their own (one Playwright context each)."""

    def __init__(self, page: Page, base_url: str, email: str, *,
                 audit: Callable[[Page], Any], password: str = DEFAULT_PASSWORD) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.email = email
        self.password = password
        self.audit_page = audit

    def audit(self) -> None:
        self.audit_page(self.page)

    @property
    def main(self) -> Locator:
        return self.page.get_by_role("main")

    def heading(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    def press(self, control: Locator) -> None:
        press(self.page, control)
        self.audit()

    def button(self, name: str, scope: Locator | None = None) -> Locator:
        return (scope or self.main).get_by_role("button", name=name, exact=True)

    # signing in and out
    def sign_in(self) -> None:
        """Open the inbox, get sent to "Sign in", sign in and land back on the inbox."""
        from playwright.sync_api import expect

        self.page.goto(f"{self.base_url}/staff")
        self.audit()
        expect(self.heading()).to_have_text("Sign in")
        self.main.get_by_label("Email address").fill(self.email)
        self.main.get_by_label("Password").fill(self.password)
        self.press(self.button("Sign in"))
        expect(self.heading()).to_have_text("Inbox")
        nav = self.page.get_by_role("navigation", name="Staff")
        expect(nav).to_contain_text(self.email)

    def sign_out(self) -> None:
        from playwright.sync_api import expect

        nav = self.page.get_by_role("navigation", name="Staff")
        self.press(nav.get_by_role("button", name="Sign out", exact=True))
        expect(self.heading()).to_have_text("Sign in")
        expect(self.main.get_by_role("status")).to_have_text("You have signed out.")

    # the studio's "Publish" tab
    def ask_for_publication(self, why: str) -> None:
        """Say why the changes should go live, and ask a publisher to sign them off."""
        from playwright.sync_api import expect

        self.main.get_by_label("Why publish these changes?").fill(why)
        self.press(self.button("Ask for publication"))
        expect(self.main).to_contain_text("You asked for publication.")

    def sign_off_and_publish(self, version: int = 1) -> None:
        """Sign off the changes a clerk asked for, and see ``version`` go live."""
        from playwright.sync_api import expect

        self.press(self.button("Sign off and publish"))
        expect(self.main).to_contain_text(f"Signed off: version {version} is live.")

    # the inbox
    def open_inbox(self) -> None:
        nav = self.page.get_by_role("navigation", name="Staff")
        self.press(nav.get_by_role("link", name="Inbox", exact=True))

    def filter_inbox(self, *, search: str | None = None, form: str | None = None,
                     step: str | None = None, status: str | None = None) -> None:
        """Fill in the inbox's filters (form, step and status by their visible names) and
        press "Show tasks"."""
        filters = self.main.get_by_role("search", name="Filter the inbox")
        if search is not None:
            filters.get_by_label("Search by reference or answer").fill(search)
        if form is not None:
            filters.get_by_label("Form", exact=True).select_option(label=form)
        if step is not None:
            filters.get_by_label("Step", exact=True).select_option(label=step)
        if status is not None:
            filters.get_by_label("Status", exact=True).select_option(label=status)
        self.press(self.button("Show tasks", filters))

    def references(self) -> list[str]:
        """The references listed in the inbox's table, in order (none when it is empty)."""
        table = self.main.get_by_role("table", name="Your tasks, the soonest due first")
        if table.count() == 0:
            return []
        return [" ".join(t.split()) for t in table.get_by_role("rowheader").all_inner_texts()]

    def row(self, reference: str) -> Locator:
        table = self.main.get_by_role("table", name="Your tasks, the soonest due first")
        return table.get_by_role("row").filter(
            has=self.page.get_by_role("rowheader", name=reference, exact=True))

    def open_submission(self, reference: str) -> None:
        """Follow the reference's link in the inbox to the submission's page."""
        from playwright.sync_api import expect

        self.press(self.row(reference).get_by_role("link", name=reference, exact=True))
        expect(self.heading()).to_have_text(reference)

    # one submission
    def status(self) -> str:
        row = self.main.locator(".summary-row").filter(
            has=self.page.get_by_role("term").filter(has_text=re.compile(r"^\s*Status\s*$")))
        return " ".join(row.get_by_role("definition").inner_text().split())

    def tasks(self, name: str | re.Pattern[str] | None = None) -> Locator:
        """The boxes of my open tasks: regions named "<step>, for <role>" with a decision."""
        regions = self.main.get_by_role("region", name=name) if name is not None else \
            self.main.get_by_role("region")
        return regions.filter(has=self.page.get_by_role("button", name="Record decision"))

    def task(self, name: str | re.Pattern[str] | None = None) -> Locator:
        """The box of one of my tasks (the first, unless named)."""
        return self.tasks(name).first

    def decide(self, decision: str, comment: str | None = None, *,
               task: str | re.Pattern[str] | None = None) -> None:
        """Choose the decision by its label, type the comment, press "Record decision"."""
        box = self.task(task)
        box.get_by_role("radio", name=DECISIONS[decision], exact=True).check()
        if comment is not None:
            box.get_by_label("Comment", exact=True).fill(comment)
        self.press(self.button("Record decision", box))

    def claim(self, task: str | re.Pattern[str] | None = None) -> None:
        self.press(self.button("Claim this task", self.task(task)))

    def history(self) -> list[str]:
        """The history table's rows as text (who, what, comment), oldest first."""
        table = self.main.get_by_role("table", name=re.compile("^Everything that happened"))
        rows = table.get_by_role("row").all()[1:]
        return [" | ".join(" ".join(c.split()) for c in r.get_by_role("cell").all_inner_texts())
                for r in rows]

    def return_link(self) -> str:
        """The link the page says to send to the resident after a return for changes."""
        link = self.main.get_by_role("link", name=re.compile(r"\x2freturned\x2f"))
        address = link.get_attribute("href")
        assert address, "the return panel has no link"
        return address if address.startswith("http") else self.base_url + address

    def pdf_link(self, reference: str) -> Locator:
        """The PDF in the resident's language, the first of the page's PDF links."""
        return self.main.get_by_role("link", name="in the resident's language",
                                     exact=False).first


def track(page: Page, base_url: str, reference: str, email: str, *, lang: str,
          audit: Callable[[Page], Any], audit_form: bool = True) -> Locator:
    """A resident looks the submission up on /track by reference and email; the page's main
    area afterwards (audited; the empty form too unless ``audit_form`` is False, for when an
    earlier look-up audited it already)."""
    from playwright.sync_api import expect

    def say(message: str) -> str:
        return gettext(lang, message)

    page.goto(f"{base_url.rstrip('/')}/track?lang={lang}")
    if audit_form:
        audit(page)
    main = page.get_by_role("main")
    main.get_by_label(say("Reference number"), exact=True).fill(reference)
    main.get_by_label(say("Email address you gave on the form"), exact=True).fill(email)
    press(page, main.get_by_role("button", name=say("Find my submission"), exact=True))
    audit(page)
    expect(main.get_by_role("term").filter(has_text=say("Reference number"))).to_be_visible()
    return main


def steps_shown(main: Locator) -> list[tuple[str, str]]:
    """/track's steps table as (step name, outcome text) pairs, in order."""
    table = main.get_by_role("table")
    out = []
    for row in table.get_by_role("row").all()[1:]:
        name = " ".join(row.get_by_role("rowheader").inner_text().split())
        outcome = " ".join(row.get_by_role("cell").last.inner_text().split())
        out.append((name, outcome))
    return out
