"""User-written Markdown to safe HTML, for pages and PDFs.

markdown-it-py renders CommonMark with raw HTML and images disabled; nh3 then
keeps only a small set of tags, and links only to http(s) and mailto. The result
can be marked safe in templates.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable("image")
_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "a"}


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html = _MARKDOWN.render(text)
    cleaned = nh3.clean(html, tags=_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https", "mailto"},
                        link_rel="noopener noreferrer nofollow")
    return Markup(cleaned)  # noqa: S704 (sanitised by nh3 just above)
