"""What the browser tests share: where the system's Chromium is, how it is
launched, and numbered full-page screenshots."""

import os
from pathlib import Path

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


def chromium_available() -> bool:
    return os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)


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
