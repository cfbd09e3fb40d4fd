"""The one path from user Markdown to stored HTML, and from Markdown to plain text.

Raw HTML in the source is escaped (the Markdown HTML parsers are removed), images become
their alt text, headings are demoted below the page's own, and bleach enforces an allow-list
as the last line of defence. Keep bleach behind this module: it receives no further releases.
"""

from __future__ import annotations

import html
import re
import threading
from functools import partial
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

import bleach
from bleach.linkifier import LinkifyFilter, build_url_re
from markdown import Markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    "p br hr strong em code pre blockquote ul ol li a h3 h4 h5 h6 abbr dl dt dd"
    " table thead tbody tr th td".split()
)
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"

_CODE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\xa0\s]+")
# C0 controls but tab/newline/CR (among them Markdown's own STX/ETX placeholder marks), DEL,
# and lone surrogates, which cannot be encoded.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_INLINE_TAGS = frozenset({"a", "abbr", "strong", "em", "code"})
# python-markdown scans to the end of the paragraph for every "[" and backtracks over long
# backtick runs, quadratically: past these bounds the syntax is escaped and shown as text.
_MAX_BRACKETS = 100
_LONG_BACKTICKS = re.compile(r"`{16,}")


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    """Decide whether an attribute produced by Markdown may stay (never style or on*)."""
    if tag == "a":
        return name in {"href", "title"}
    if tag == "abbr":
        return name == "title"
    if tag in {"th", "td"}:
        return name == "align" and value in {"left", "center", "right"}
    if tag == "ol":
        return name == "start" and value.isdigit() and len(value) < 10
    if tag == "code":
        return name == "class" and _CODE_CLASS.fullmatch(value) is not None
    return False


def _harden_link(attrs: dict, new: bool = False) -> dict | None:
    """Force rel, drop target, and unwrap any link whose href is missing or unsafe."""
    href = attrs.get((None, "href"))
    if not href:
        return None
    # Decode twice: a double-encoded scheme is inert in a browser, but not worth keeping.
    match = _SCHEME.match(_URL_NOISE.sub("", html.unescape(html.unescape(href))).lower())
    if match and match.group(1) not in ALLOWED_PROTOCOLS:
        return None
    attrs.pop((None, "target"), None)
    attrs[(None, "rel")] = LINK_REL
    return attrs


_BLEACH_URL_RE = build_url_re(protocols=["http", "https"])
# A possessive leading "\(*" matches the same URLs without backtracking over runs of "(".
_URL_RE = re.compile(_BLEACH_URL_RE.pattern.replace(r"\(*", r"\(*+", 1), _BLEACH_URL_RE.flags)


class _ShapeTree(Treeprocessor):
    """Replace images by their alt text, demote h1-h6 to h3-h6, trim code blocks' ends."""

    def run(self, root: Element) -> None:
        for parent in list(root.iter()):
            for index in range(len(parent) - 1, -1, -1):
                child = parent[index]
                if child.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                    child.tag = f"h{min(int(child.tag[1]) + 2, 6)}"
                elif child.tag == "code" and parent.tag == "pre" and child.text:
                    child.text = AtomicString(child.text.rstrip("\n") + "\n")
                elif child.tag == "img":
                    text = (child.get("alt") or "") + (child.tail or "")
                    if index:
                        parent[index - 1].tail = (parent[index - 1].tail or "") + text
                    else:
                        parent.text = (parent.text or "") + text
                    del parent[index]


def _defuse(source: str) -> str:
    """Strip control characters and escape the syntax that makes Markdown quadratic."""
    source = _CONTROL.sub("", source)
    if source.count("[") > _MAX_BRACKETS:
        source = source.replace("\\", "\\\\").replace("[", "\\[")
    return _LONG_BACKTICKS.sub(lambda run: "\\`" * len(run.group()), source)


def _build_markdown() -> Markdown:
    """Markdown with tables, fenced code, lists, breaks; without any raw-HTML path."""
    md = Markdown(
        extensions=["abbr", "def_list", "fenced_code", "tables", "sane_lists", "nl2br"],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.deregister("prettify")  # newlines between blocks cost ~10% in bleach
    md.treeprocessors.register(_ShapeTree(md), "cop_shape", 5)
    return md


def _build_cleaner() -> bleach.Cleaner:
    """The allow-list cleaner, which also linkifies bare http(s) URLs."""
    linkify = partial(
        LinkifyFilter, callbacks=[_harden_link], skip_tags={"pre", "code"}, url_re=_URL_RE
    )
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes={tag: _allow_attribute for tag in ALLOWED_TAGS},
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[linkify],
    )


_local = threading.local()


def _pipeline() -> tuple[Markdown, bleach.Cleaner]:
    """Return this thread's Markdown and Cleaner: neither is thread-safe."""
    pipeline = getattr(_local, "pipeline", None)
    if pipeline is None:
        pipeline = _local.pipeline = (_build_markdown(), _build_cleaner())
    return pipeline


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown to safe HTML, ready to store and to output unescaped."""
    if not text:
        return Markup("")
    source = _defuse(str(text))
    md, cleaner = _pipeline()
    try:
        body = md.reset().convert(source)
    except RecursionError:
        # Pathological nesting: show the text, not the structure.
        body = f"<p>{html.escape(source)}</p>"
    return Markup(cleaner.clean(body))


class _TextExtractor(HTMLParser):
    """Collect character data, with a space wherever a block element starts or ends."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _INLINE_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(markdown_text: str | None) -> str:
    """Return the text of a post without markup, whitespace collapsed (for search, snippets)."""
    return html_text(render_markdown(markdown_text))


def html_text(safe_html: str | None) -> str:
    """Return the text of HTML stored by :func:`render_markdown`, whitespace collapsed.

    Indexing reads the stored HTML: rendering the Markdown again cost ~1 ms per post.
    """
    extractor = _TextExtractor()
    extractor.feed(str(safe_html or ""))
    extractor.close()
    return " ".join("".join(extractor.parts).split())


def excerpt(markdown_text: str | None, length: int = 200) -> str:
    """Return at most ``length`` characters of plain text, cut on a word, with an ellipsis."""
    text = plain_text(markdown_text)
    if len(text) <= length:
        return text
    if length < 1:
        return ""
    cut = text[: length - 1]
    if text[length - 1] != " ":
        head = cut.rpartition(" ")[0]
        cut = head or cut
    return cut.rstrip(" ,;:") + "…"
