"""What the browser tests share: where the system's Chromium is, how it is
launched, the window's size, logging in, the page fitting the window, and
numbered full-page screenshots."""

import os
from pathlib import Path

from playwright.sync_api import expect

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
# The password tests.factories.UserFactory gives every user.
PASSWORD = "pass-for-tests"


def chromium_available() -> bool:
    return os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)


def demo_password(username: str) -> str:
    """The password `seed_demo` gives its users."""
    return f"demo-{username}-pass"


def log_in(page, user, password: str = PASSWORD) -> None:
    """Log in through the admin's login page as `user` (a User, or a username)."""
    page.goto("/admin/login/")
    page.fill("#id_username", user if isinstance(user, str) else user.username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_be_visible()


def assert_fits(page) -> None:
    """The page does not scroll sideways in the window. Images count once they
    have loaded (the charts are images)."""
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{page.url} is {width}px wide"


class Screenshots:
    """Full-page PNGs numbered in the order they are taken."""

    def __init__(self, folder: Path, prefix: str = ""):
        self.folder = folder
        self.prefix = prefix
        self.count = 0
        self.paths: list[Path] = []
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.prefix}{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        self.paths.append(path)
        return path
