"""The mail archive (Django's file backend under EMAIL_FILE_PATH): each file holds one or more
messages, each followed by a line of 79 dashes. A message is parsed, every text part
decoded (base64, quoted-printable) and scrubbed, its headers too, and a changed file is
written again atomically (a temporary file renamed over it)."""

from __future__ import annotations

import email
import logging
import os
import tempfile
from email import policy
from pathlib import Path

from django.conf import settings

from screening.privacy.scrub import Scrubber

logger = logging.getLogger(__name__)

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def archive_dir() -> Path | None:
    path = getattr(settings, "EMAIL_FILE_PATH", None)
    return Path(path) if path else None


def _files() -> list[Path]:
    root = archive_dir()
    if root is None or not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def _scrub_headers(message, scrubber: Scrubber) -> bool:
    changed = False
    for name in set(message.keys()):
        values = message.get_all(name) or []
        new = [scrubber.sub(str(v)) for v in values]
        if new != [str(v) for v in values]:
            del message[name]
            for value in new:
                message[name] = value
            changed = True
    return changed


def _scrub_message(raw: bytes, scrubber: Scrubber) -> bytes | None:
    """The message scrubbed, or None when it does not mention the person."""
    message = email.message_from_bytes(raw, policy=policy.default)
    changed = _scrub_headers(message, scrubber)
    for part in message.walk():
        if part.is_multipart():
            continue
        if part is not message and _scrub_headers(part, scrubber):
            changed = True
        if part.get_content_maintype() != "text":
            continue
        text = part.get_content()
        new = scrubber.sub(text)
        if new != text:
            del part["Content-Transfer-Encoding"]
            part.set_payload(new, charset="utf-8")
            changed = True
    return message.as_bytes() if changed else None


def _scrub_file(data: bytes, scrubber: Scrubber) -> tuple[bytes, int]:
    """The file's bytes scrubbed and how many of its messages changed."""
    chunks = data.split(SEPARATOR)
    changed = 0
    out = []
    for chunk in chunks:
        new = _scrub_message(chunk, scrubber) if chunk.strip() else None
        if new is None:
            out.append(chunk)
        else:
            out.append(new.rstrip(b"\n"))
            changed += 1
    return SEPARATOR.join(out), changed


def _write_atomically(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".erasure-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def files_mentioning(scrubber: Scrubber) -> list[Path]:
    """The archive files with a message about the person (read only)."""
    found = []
    for path in _files():
        _data, changed = _scrub_file(path.read_bytes(), scrubber)
        if changed:
            found.append(path)
    return found


def scrub_files(paths: list[Path], scrubber: Scrubber) -> int:
    """Rewrite `paths` scrubbed; returns how many messages changed."""
    total = 0
    for path in paths:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        new, changed = _scrub_file(data, scrubber)
        if changed:
            _write_atomically(path, new)
            total += changed
    if total:
        logger.info("Erasure: rewrote %d archived message(s) in %d file(s).", total, len(paths))
    return total


# Other files the service writes under VAR_DIR that may name candidates: the demo's sample
# digest (`seed_demo`), plain text.
SAMPLE_FILES = ("demo-digest.html",)


def samples_mentioning(scrubber: Scrubber) -> list[Path]:
    root = Path(settings.VAR_DIR)
    paths = [root / name for name in SAMPLE_FILES]
    return [p for p in paths if p.is_file() and scrubber.found_in(p.read_text("utf-8", "replace"))]


def scrub_samples(paths: list[Path], scrubber: Scrubber) -> None:
    for path in paths:
        try:
            text = path.read_text("utf-8", "replace")
            _write_atomically(path, scrubber.sub(text).encode("utf-8"))
        except OSError:
            logger.exception("Could not scrub %s", path)
