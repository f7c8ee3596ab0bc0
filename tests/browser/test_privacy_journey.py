"""A member takes their data and leaves: from the account menu, "Prepare my archive", the job
builds it, the download is a ZIP of their data; a wrong password keeps the account, the right
one deletes it and logs them out. Laptop and phone.

The module's Daphne shares the test's job queue (JOBS_SQLITE_PATH) and archive folder
(DATA_EXPORT_ROOT): the test drains the queue in-process, the server serves the archive.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.browser.conftest import orm
from tests.factories import DEFAULT_PASSWORD, MemberFactory, SpaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def _module_daphne(django_db_setup, django_db_blocker, playwright_instance):
    from django.conf import settings

    from tests.fixtures.daphne import LiveDaphne, server_env

    with django_db_blocker.unblock():
        env = server_env(
            DJANGO_ALLOW_ASYNC_UNSAFE="",
            JOBS_SQLITE_PATH=settings.HUEY["filename"],
            DATA_EXPORT_ROOT=str(settings.DATA_EXPORT_ROOT),
        )
        server = LiveDaphne(env=env)
    server.start()
    yield server
    server.stop()


def given_a_member():
    space = SpaceFactory(name="Coworking Namur", slug="coworking-namur", city="Namur")
    return MemberFactory(
        username="amelie",
        display_name="Amélie Lambert",
        headline="Illustratrice",
        home_space=space,
        offers=["illustration"],
    )


def open_account_menu(session, name: str) -> None:
    toggle = session.page.locator(".nav-toggle-label")
    if toggle.is_visible():
        toggle.click()
    session.page.locator("header.site-header summary", has_text=name).click()
    session.page.locator("header.site-header a", has_text="My data and account").click()


def test_a_member_downloads_their_data_and_deletes_their_account(daphne_server, browser_session, viewport):
    from tests.fixtures.jobs import run_jobs

    amelie = orm(given_a_member)
    her = browser_session(daphne_server, name="amelie")
    her.login_as(amelie)
    her.goto("/")
    open_account_menu(her, "Amélie Lambert")
    her.page.wait_for_url("**/accounts/data/")
    her.shot("data-page")

    # She asks for her archive; the job builds it; the page offers the download
    her.page.get_by_role("button", name="Prepare my archive").click()
    her.page.get_by_text("Your archive is being prepared").wait_for()
    assert orm(run_jobs) >= 1
    her.page.reload()
    link = her.page.get_by_role("link", name="Download my archive")
    link.wait_for()
    her.shot("archive-ready")
    with her.page.expect_download() as download_info:
        link.click()
    download = download_info.value
    archive = zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read()))
    data = json.loads(archive.read("data.json"))
    assert data["data"]["profile"]["display_name"] == "Amélie Lambert"
    assert data["data"]["skills"]["offered"] == ["Illustration"]

    # A wrong password keeps the account, with the reason next to the field
    her.page.get_by_label("Your password").fill("not my password")
    her.page.get_by_role("button", name="Delete my account for good").click()
    her.page.get_by_text("That is not your password.").wait_for()
    her.shot("wrong-password")

    # The right one deletes it and logs her out
    her.page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    her.page.get_by_role("button", name="Delete my account for good").click()
    her.page.get_by_text("Your account and your data were deleted. Goodbye!").wait_for()
    her.shot("deleted")
    # logged out: the header offers to log in (behind the menu button on a phone)
    assert her.page.locator("header.site-header a[href$='/accounts/login/']").count() == 1

    from profiles.models import Member

    assert not orm(lambda: Member.objects.filter(username="amelie").exists())
    assert her.problems() == []
