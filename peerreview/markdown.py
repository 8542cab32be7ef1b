"""User-written Markdown to safe HTML, for pages and PDFs.

markdown-it-py renders CommonMark with raw HTML and images disabled; nh3 then
keeps only a small set of tags, and links only to http(s) and mailto. The result
can be marked safe in templates.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable("image").enable("table")
_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "h5", "h6", "a",
         "table", "thead", "tbody", "tr", "th", "td"}
# A text sits under the page's or report's own headings (h1 title, h2 section): its headings
# start at h3, so that "# Summary" keeps its rank in the outline and in the tagged PDF.
_SHIFT = {f"<h{n}>": f"<h{min(n + 2, 6)}>" for n in range(1, 7)} | {f"</h{n}>": f"</h{min(n + 2, 6)}>"
                                                                   for n in range(1, 7)}


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html = _MARKDOWN.render(text)
    for level in range(6, 0, -1):  # from h6 down, so that a shifted tag is not shifted again
        html = html.replace(f"<h{level}>", _SHIFT[f"<h{level}>"]).replace(f"</h{level}>", _SHIFT[f"</h{level}>"])
    cleaned = nh3.clean(html, tags=_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https", "mailto"},
                        link_rel="noopener noreferrer nofollow")
    return Markup(cleaned)  # noqa: S704 (sanitised by nh3 just above)
