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
