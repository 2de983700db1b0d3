"""Reading a posting file for the commands that take one (parse_posting, draft_rubric)."""

import sys
from pathlib import Path

from django.core.management.base import CommandError

from rubrics.parsing import MAX_POSTING_BYTES


def read_posting_file(file: str) -> str:
    """The text of `file` ("-" for standard input), or a CommandError saying why not."""
    try:
        if file == "-":
            data = sys.stdin.buffer.read(MAX_POSTING_BYTES + 1)
        else:
            with Path(file).open("rb") as handle:
                data = handle.read(MAX_POSTING_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"Cannot read {file}: {exc.strerror or exc}.") from None
    try:
        # Keep line endings as they are so that spans index the file itself.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if len(data) > MAX_POSTING_BYTES:
            raise CommandError(
                f"{file}: the posting is over {MAX_POSTING_BYTES // 1024} KB."
            ) from None
        raise CommandError(f"{file} is not UTF-8 text.") from None
