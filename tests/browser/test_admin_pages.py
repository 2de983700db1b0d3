"""Every admin page the demo links to, at 1366 × 768, as the recruiter and as
a reviewer: none scrolls sideways, none answers an error.

The crawl starts at the admin index of the seeded demo and follows the
admin's own links breadth-first. Pages of the same shape (the same path with
other ids, the same query keys with other values) are visited once, so the
crawl covers every kind of page without visiting every object. A full-page
screenshot of each page goes to TEST_ARTIFACTS_DIR/browser/pages/."""

import re
from collections import deque
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.browser.support import VIEWPORT, Screenshots, demo_password, log_in

# Links that change state or leave the admin's pages: never followed.
SKIPPED = re.compile(
    r"/(logout|delete|password|add-from-selection|generate|publish|kind)/|"
    r"format=csv|format=xlsx|/(html|csv|download|file|image)/?$|/jsi18n/|/r/\d+/"
)
MAX_PAGES = 90

# Elements that scroll sideways inside the page (the admin wraps its tables in
# `overflow-x: auto` boxes, so a too-wide table does not widen the document).
INNER_SCROLLERS = """() => [...document.querySelectorAll('#content *')].filter(el => {
    const style = getComputedStyle(el);
    return ['auto', 'scroll'].includes(style.overflowX)
        && el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1;
}).map(el => (el.id ? '#' + el.id : el.tagName.toLowerCase())
    + (el.className ? '.' + String(el.className).trim().split(/\\s+/).join('.') : '')
    + ' ' + el.scrollWidth + '>' + el.clientWidth)"""


def shape(url: str) -> str:
    """A URL with its ids and query values dropped: one visit per kind of page."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+/", "/N/", parts.path)
    keys = sorted({k for k, _ in parse_qsl(parts.query) if k not in ("p", "page", "o", "q")})
    return f"{path}?{'&'.join(keys)}"


def crawl(page, shots: Screenshots) -> dict[str, dict]:
    """Visit the admin breadth-first from its index; per page, its status and width."""
    seen: set[str] = set()
    results: dict[str, dict] = {}
    queue = deque([("/admin/", None)])
    while queue and len(results) < MAX_PAGES:
        url, linked_from = queue.popleft()
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        response = page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        inner = page.evaluate(INNER_SCROLLERS)
        results[url] = {
            "status": response.status if response else None,
            "width": width,
            "from": linked_from,
            "inner": inner,
        }
        slug = re.sub(r"[^a-z0-9]+", "-", urlsplit(url).path.lower()).strip("-") or "index"
        shots(page, slug[:80])
        for href in page.eval_on_selector_all(
            "#content a[href], #nav-sidebar a[href], #header a[href]",
            "links => links.map(a => a.getAttribute('href'))",
        ):
            if not href or href.startswith(("#", "javascript:", "mailto:")):
                continue
            target = urlsplit(href)
            if target.netloc or not target.path.startswith("/admin/") or SKIPPED.search(href):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if shape(link) not in seen:
                queue.append((link, url))
    return results


@pytest.mark.parametrize("username", ["recruiter", "reviewer1"])
def test_no_demo_admin_page_scrolls_sideways_or_fails(page, live_server, username):
    call_command("seed_demo", allow_production=True, verbosity=0)
    shots = Screenshots(Path(settings.TEST_ARTIFACTS_DIR) / "browser" / "pages", f"{username}-")
    log_in(page, username, demo_password(username))

    results = crawl(page, shots)

    assert len(results) >= (20 if username == "recruiter" else 4), sorted(results)
    print("\n".join(f"{r['width']:5} {r['status']} {url}" for url, r in results.items()))
    failed = {url: (r["status"], r["from"]) for url, r in results.items() if r["status"] != 200}
    assert failed == {}
    wide = {url: r["width"] for url, r in results.items() if r["width"] > VIEWPORT["width"]}
    assert wide == {}
    scrolling_inside = {url: r["inner"] for url, r in results.items() if r["inner"]}
    assert scrolling_inside == {}
