"""Browser journeys: Debian's Chromium driven by Playwright against a live Daphne process.

    def test_journey(daphne_server, browser_session):
        sofie = browser_session(daphne_server, name="sofie")     # a fresh browser context and page
        sofie.goto("/accounts/signup/")
        ...
        sofie.shot("signup")                                  # test-artifacts/<test>/<n>-signup.png

Every page records console errors, uncaught exceptions and Content-Security-Policy violations;
a journey fails on any of them unless the test declares it expected (`allow_console`). The
journeys run at a laptop viewport and at a phone viewport (`viewport` fixture).

The live server (one Daphne per module) runs on the test database (a file on SQLite, see
tests/fixtures/daphne.py), so the tests are transactional.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Generous for a loaded 2-core machine, yet a journey that hangs still fails in seconds.
TIMEOUT_MS = 15_000

# A listener installed before any page script: CSP violations are also reported as console
# errors, but this catches the ones Chromium reports only as events (e.g. in report-only mode).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


# Playwright's sync API keeps an asyncio loop "running" in the main thread while it is started, so:
# it lives per module (later tests, async ones included, must not inherit that loop), and each
# browser test lets the ORM run beside it (the Daphne server process keeps Django's check on).
@pytest.fixture(scope="module")
def playwright_instance():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    # As long as Playwright's loop lives, the ORM of this process (fixtures, flushes, teardown
    # hooks) runs beside it; the Daphne process under test keeps Django's check (see below).
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield playwright


def orm(function: Callable[[], T]) -> T:
    """Run database writes in a worker thread: their after-commit hooks (chat broadcasts, search
    index) use async_to_sync, which refuses to run in the thread where Playwright's loop lives."""

    def run() -> T:
        from django.db import connections

        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


@pytest.fixture
def artifacts_dir(request) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class BrowserSession:
    """One visitor: a browser context (own cookies) with one page, and what went wrong in it."""

    name: str
    base_url: str
    context: object
    page: object
    artifacts: Path
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)
    shots: int = 0
    # JSON frames the page's WebSockets received, in order, across reconnects.
    frames: list[dict] = field(default_factory=list)
    sockets_opened: int = 0
    # Index in `frames` where the current document began (set on every main-frame navigation).
    document_frames_from: int = 0

    def _on_websocket(self, websocket) -> None:
        self.sockets_opened += 1

        def received(payload) -> None:
            try:
                self.frames.append(json.loads(payload))
            except (TypeError, ValueError):
                self.frames.append({"type": "<not json>", "raw": str(payload)[:200]})

        websocket.on("framereceived", received)

    def wait_for_frame(
        self, predicate: Callable[[dict], bool], *, after: int = 0, timeout: float = TIMEOUT_MS
    ) -> dict:
        """The first frame from index `after` on that matches, waiting for it (Playwright delivers
        events while the page waits)."""
        waited = 0
        while True:
            for frame in self.frames[after:]:
                if predicate(frame):
                    return frame
            if waited >= timeout:
                raise AssertionError(
                    f"{self.name}: no matching frame in {timeout} ms; got {self.frames[after:][-10:]}"
                )
            self.page.wait_for_timeout(50)
            waited += 50

    def wait_synced(self, *, after: int | None = None) -> dict:
        """Wait until the current page's socket has caught up (`synced`), i.e. it is live; by
        default only frames since the page was loaded count (not an earlier page's)."""
        start = self.document_frames_from if after is None else after
        return self.wait_for_frame(lambda f: f.get("type") == "synced", after=start)

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 500, f"{path}: {response and response.status}"
        return response

    def nav(self, link_name: str) -> None:
        """Follow a link of the site's header, opening the menu first on a phone."""
        toggle = self.page.locator(".nav-toggle-label")
        if toggle.is_visible():
            toggle.click()
        self.page.locator("header.site-header a").filter(has_text=link_name).first.click()

    def shot(self, label: str) -> Path:
        self.shots += 1
        path = self.artifacts / f"{self.name}-{self.shots:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def login_as(self, member) -> None:
        """Log in without the form (the journeys test the form once): the session cookie of `member`."""
        from django.conf import settings

        from tests.fixtures.daphne import session_cookie

        value = orm(lambda: session_cookie(member))
        self.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": value, "url": self.base_url}]
        )

    def allow_console(self, pattern: str) -> None:
        """Declare console errors matching `pattern` expected (e.g. a WebSocket refused while the server is down)."""
        self.allowed.append(re.compile(pattern))

    def problems(self) -> list[str]:
        try:
            violations = self.page.evaluate("window.__cspViolations || []")
        except Exception:  # the page is gone or navigating: console errors still tell
            violations = []
        errors = [e for e in self.console_errors if not any(p.search(e) for p in self.allowed)]
        return (
            [f"console: {e}" for e in errors]
            + [f"js: {e}" for e in self.page_errors]
            + [f"csp: {v}" for v in violations]
        )


@pytest.fixture
def browser_session(browser, artifacts_dir, request) -> Iterator[Callable[..., BrowserSession]]:
    sessions: list[BrowserSession] = []
    viewport_name = request.getfixturevalue("viewport") if "viewport" in request.fixturenames else "laptop"

    def open_session(server, *, name: str, locale: str = "en-GB") -> BrowserSession:
        context = browser.new_context(
            viewport=VIEWPORTS[viewport_name],
            locale=locale,
            is_mobile=viewport_name == "phone",
            has_touch=viewport_name == "phone",
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        session = BrowserSession(
            name=f"{viewport_name}-{name}",
            base_url=server.http_url,
            context=context,
            page=page,
            artifacts=artifacts_dir,
        )
        page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and session.console_errors.append(f"{msg.text} [{(msg.location or {}).get('url', '')}]")
            ),
        )
        page.on("pageerror", lambda error: session.page_errors.append(str(error)))
        page.on("websocket", session._on_websocket)
        page.on(
            "framenavigated",
            lambda frame: (
                frame == page.main_frame and setattr(session, "document_frames_from", len(session.frames))
            ),
        )
        sessions.append(session)
        return session

    yield open_session

    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:  # what each page showed when the test failed
        for session in sessions:
            try:
                session.shot("at-failure")
            except Exception:
                pass
    problems = {s.name: s.problems() for s in sessions}
    for session in sessions:
        session.context.close()
    failed = {name: found for name, found in problems.items() if found}
    assert not failed, f"console errors, JS exceptions or CSP violations: {failed}"


@pytest.fixture(scope="module")
def _module_daphne(django_db_setup, django_db_blocker, playwright_instance):
    """One Daphne per module (starting one costs seconds); tests share it, each with its own data."""
    from tests.fixtures.daphne import LiveDaphne, server_env

    with django_db_blocker.unblock():
        # Django's async-safety check stays on in the server, whatever this process allows itself.
        server = LiveDaphne(env=server_env(DJANGO_ALLOW_ASYNC_UNSAFE=""))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def daphne_server(_module_daphne, transactional_db):
    """The module's Daphne process on the test database (in-process channel layer, database
    search). Transactional: what a test writes is committed, so the server sees it; the flush
    after each test leaves the next one a clean database (tests/conftest.py puts the taxonomy back)."""
    if _module_daphne.process is None or _module_daphne.process.poll() is not None:
        _module_daphne.start()  # a test killed it
    return _module_daphne
