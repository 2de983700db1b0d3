"""Posting text rendered for a page. Postings are pasted from anywhere, so the
text is untrusted: CommonMark with raw HTML escaped (never passed through),
links limited to safe schemes (markdown-it's link validation drops
`javascript:`, `vbscript:`, `file:` and `data:` targets, leaving the text
as it was written), and images shown as their alt text (an image would fetch
from wherever the posting points). Pure: no Django import; the caller
marks the result safe.
"""

import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

# `breaks`: most postings are plain text pasted with one item a line; keep their lines.
_renderer = MarkdownIt("commonmark", {"html": False, "breaks": True})


def _link_open(renderer, tokens, idx, options, env):
    # Links lead out of the admin: new tab, no referrer, no ranking credit.
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    tokens[idx].attrSet("target", "_blank")
    return renderer.renderToken(tokens, idx, options, env)


def _image(renderer, tokens, idx, options, env):
    # An image would fetch from wherever the posting points: show its alt text instead.
    return escapeHtml(tokens[idx].content)


_renderer.add_render_rule("link_open", _link_open)
_renderer.add_render_rule("image", _image)

# A sentence ends at . ! ? or a closing bracket/quote after one, before a space or the end;
# a line ends at a newline.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)|\n")


def render_markdown(text: str) -> str:
    """HTML for `text` read as CommonMark; raw HTML in it comes out as text."""
    return _renderer.render(text or "")


def render_markdown_inline(text: str) -> str:
    """HTML for one line of `text` (emphasis, code, links), with no paragraph around it:
    for a summary or a heading."""
    return _renderer.renderInline(text or "")


def excerpt(text: str, limit: int = 280) -> tuple[str, bool]:
    """The start of `text` up to `limit` characters, cut where a sentence or a
    line ends (or, failing that, between words) and never inside a word.
    Returns (excerpt, whether it was cut); a cut excerpt ends with "…"."""
    text = (text or "").strip()
    if len(text) <= limit:
        return text, False
    window = text[: limit + 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= limit]
    # A sentence end too near the start would leave a stub; then cut between words.
    if ends and ends[-1] >= limit // 3:
        cut = ends[-1]
    else:
        space = window.rfind(" ", 0, limit)
        cut = space if space > 0 else limit
    return text[:cut].rstrip() + " …", True


# --- The raw text styled in place --------------------------------------------------------
# The triage panel must keep every character of the posting where it is (a selection there
# maps back to offsets in the raw text), so it cannot show markdown-it's HTML. Instead it
# styles the raw text: Markdown's markers are hidden and what they mark is shown as what it
# means (a heading, bold, italic, a link's text, code). These are the ranges to style.

MARKER = "md-marker"  # syntax to hide: "## ", "**", "[", "](https://…)", "`"
_HEADING = re.compile(r"^ {0,3}(#{1,6})([ \t]+)([^\r\n]*?)([ \t]+#+)?[ \t]*\r?$", re.M)
_STRONG = re.compile(r"(\*\*|__)(?=\S)([^\r\n]+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![*\w])([*_])(?=[^\s*_])([^\r\n*_]+?)(?<=[^\s*_])\1(?![*\w])")
_LINK = re.compile(r"\[([^\]\r\n]+)\]\(([^)\s]+)\)")
_CODE = re.compile(r"`([^`\r\n]+)`")


def markdown_styles(text: str) -> list[tuple[int, int, str]]:
    """(start, end, class) ranges of `text` that Markdown marks: "md-marker" for the
    syntax itself, and "md-h1"…"md-h6", "md-strong", "md-em", "md-link", "md-code" for what
    it marks. Only the common inline forms and ATX headings; anything else stays as text."""
    styles: list[tuple[int, int, str]] = []
    taken = [False] * len(text)  # code and link syntax is not read again as emphasis

    def claim(start: int, end: int) -> None:
        for i in range(start, end):
            taken[i] = True

    def free(start: int, end: int) -> bool:
        return not any(taken[start:end])

    for match in _CODE.finditer(text):
        start, end = match.span()
        styles += [
            (start, start + 1, MARKER),
            (start + 1, end - 1, "md-code"),
            (end - 1, end, MARKER),
        ]
        claim(start, end)
    for match in _LINK.finditer(text):
        start, end = match.span()
        if not free(start, end):
            continue
        label_end = match.end(1)
        styles += [(start, start + 1, MARKER), (start + 1, label_end, "md-link")]
        styles.append((label_end, end, MARKER))
        claim(start, start + 1)
        claim(label_end, end)
    for match in _HEADING.finditer(text):
        level = len(match.group(1))
        styles.append((match.start(1), match.end(2), MARKER))
        if match.group(3):
            styles.append((match.start(3), match.end(3), f"md-h{level}"))
        if match.group(4):
            styles.append((match.start(4), match.end(4), MARKER))
    for pattern, style, width in ((_STRONG, "md-strong", 2), (_EMPHASIS, "md-em", 1)):
        for match in pattern.finditer(text):
            start, end = match.span()
            if not (free(start, start + width) and free(end - width, end)):
                continue
            styles += [(start, start + width, MARKER), (start + width, end - width, style)]
            styles.append((end - width, end, MARKER))
            claim(start, start + width)
            claim(end - width, end)
    return sorted(styles)
