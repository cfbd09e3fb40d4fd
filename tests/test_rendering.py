"""cop.rendering: what members may write, and what never reaches a reader's browser."""

from __future__ import annotations

import html
import re
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from cop.rendering import excerpt, plain_text, render_markdown

VECTORS_FILE = Path(__file__).parent / "data" / "xss_vectors.txt"
_ESCAPE = re.compile(r"\\(\\|n|t|r|0|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})")
_SIMPLE_ESCAPES = {"\\": "\\", "n": "\n", "t": "\t", "r": "\r", "0": "\0"}


def _decode(line: str) -> str:
    """Apply the escapes documented at the top of the vectors file."""

    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        return _SIMPLE_ESCAPES.get(code) or chr(int(code[1:], 16))

    return _ESCAPE.sub(replace, line)


def _load_vectors() -> list[str]:
    lines = VECTORS_FILE.read_text(encoding="utf-8").splitlines()
    return [_decode(line) for line in lines if line and not line.startswith("# ")]


VECTORS = _load_vectors()

ALLOWED = {
    "p": set(),
    "br": set(),
    "hr": set(),
    "strong": set(),
    "em": set(),
    "code": {"class"},
    "pre": set(),
    "blockquote": set(),
    "ul": set(),
    "ol": {"start"},
    "li": set(),
    "a": {"href", "title", "rel"},
    "h3": set(),
    "h4": set(),
    "h5": set(),
    "h6": set(),
    "table": set(),
    "thead": set(),
    "tbody": set(),
    "tr": set(),
    "th": {"align"},
    "td": {"align"},
    "dl": set(),
    "dt": set(),
    "dd": set(),
    "abbr": {"title"},
}
FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "style", "svg", "math", "form", "base", "meta",
    "link", "img", "frame", "frameset", "input", "button", "video", "audio", "source",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto"}
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\xa0\s]+")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_TAG_OPEN = re.compile(r"<(/?)([^\s/>]*)")


class _Elements(HTMLParser):
    """Record every start tag with its (entity-decoded) attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


def _elements(output: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(output)
    parser.close()
    return parser.elements


def _url_is_safe(value: str) -> bool:
    """True for http(s), mailto and relative URLs, after decoding and de-noising.

    The parser has already decoded entities once, as a browser does; decoding again is
    stricter than a browser, on purpose.
    """
    url = _URL_NOISE.sub("", html.unescape(value)).lower()
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(1) in SAFE_SCHEMES


def assert_inert(output: str) -> None:
    """Fail unless the HTML holds only allowed elements and attributes and safe URLs."""
    for slash, name in _TAG_OPEN.findall(output):
        assert name.lower() in ALLOWED, f"unexpected markup <{slash}{name} in {output!r}"
    for tag, attrs in _elements(output):
        assert tag not in FORBIDDEN_TAGS, output
        assert tag in ALLOWED, output
        for name, value in attrs:
            assert not name.startswith("on"), output
            assert name != "style", output
            assert name in ALLOWED[tag], f"{tag}[{name}] in {output!r}"
            if name in {"href", "src"}:
                assert value is not None and _url_is_safe(value), output
        if tag == "a":
            assert dict(attrs).get("rel") == "nofollow noopener noreferrer", output


@pytest.mark.parametrize(
    "output",
    [
        "<p>x</p><script>alert(1)</script>",
        "<SVG onload=alert(1)>",
        '<p onclick="alert(1)">x</p>',
        '<p style="color:red">x</p>',
        '<a href="javascript:alert(1)" rel="nofollow noopener noreferrer">x</a>',
        '<a href="jav&#x09;ascript:alert(1)" rel="nofollow noopener noreferrer">x</a>',
        '<a href=" &#14; JAVASCRIPT&colon;alert(1)" rel="nofollow noopener noreferrer">x</a>',
        '<a href="https://example.org" target="_blank">x</a>',
        '<img src="https://example.org/a.png">',
        "<p>x</p><iframe/src=//x.org>",
    ],
)
def test_the_checker_itself_rejects_executable_html(output: str) -> None:
    with pytest.raises(AssertionError):
        assert_inert(output)


def links(output: str) -> list[dict[str, str | None]]:
    return [dict(attrs) for tag, attrs in _elements(output) if tag == "a"]


class TestMarkdown:
    def test_returns_markup_ready_for_templates(self) -> None:
        assert isinstance(render_markdown("hello"), Markup)

    def test_emphasis_strong_and_code_spans(self) -> None:
        output = render_markdown("*calm* and **alert**, `PHQ-9`")
        assert output == "<p><em>calm</em> and <strong>alert</strong>, <code>PHQ-9</code></p>"

    def test_lists_keep_their_start_number(self) -> None:
        output = render_markdown("- sleep\n- appetite\n\n3. third\n4. fourth")
        assert "<ul><li>sleep</li><li>appetite</li></ul>" in output
        assert '<ol start="3"><li>third</li><li>fourth</li></ol>' in output

    def test_blockquote(self) -> None:
        assert render_markdown("> she said so") == "<blockquote><p>she said so</p></blockquote>"

    def test_single_newlines_are_line_breaks(self) -> None:
        assert render_markdown("line one\nline two") == "<p>line one<br>line two</p>"

    def test_indented_code_ends_with_a_single_newline(self) -> None:
        assert render_markdown("    x = 1\n\n\n") == "<pre><code>x = 1\n</code></pre>"

    def test_fenced_code_keeps_a_language_class_and_escapes_its_content(self) -> None:
        output = render_markdown("```python\nif a < b:\n    print('<b>')\n```")
        assert output.startswith('<pre><code class="language-python">if a &lt; b:')
        assert "&lt;b&gt;" in output

    def test_tables_align_with_an_attribute_not_a_style(self) -> None:
        output = render_markdown("| scale | score |\n|:--|--:|\n| PHQ-9 | 17 |")
        assert '<th align="left">scale</th>' in output
        assert '<td align="right">17</td>' in output
        assert "style" not in output

    def test_headings_never_outrank_the_page(self) -> None:
        output = render_markdown("# One\n\n## Two\n\n### Three\n\n#### Four\n\n###### Six")
        assert output == "<h3>One</h3><h4>Two</h4><h5>Three</h5><h6>Four</h6><h6>Six</h6>"

    def test_definition_lists_and_abbreviations(self) -> None:
        output = render_markdown("*[CBT]: cognitive behavioural therapy\n\nCBT\n: a therapy")
        assert '<abbr title="cognitive behavioural therapy">CBT</abbr>' in output
        assert "<dl>" in output

    def test_mentions_are_left_as_text(self) -> None:
        assert render_markdown("@dr_smith and @ana-b, see above") == (
            "<p>@dr_smith and @ana-b, see above</p>"
        )

    @pytest.mark.parametrize("text", [None, ""])
    def test_nothing_renders_as_nothing(self, text: str | None) -> None:
        assert render_markdown(text) == ""


class TestLinks:
    def test_links_get_rel_nofollow_noopener_noreferrer(self) -> None:
        output = render_markdown('[NICE](https://www.nice.org.uk/ "guidance")')
        assert links(output) == [
            {
                "href": "https://www.nice.org.uk/",
                "title": "guidance",
                "rel": "nofollow noopener noreferrer",
            }
        ]

    def test_bare_urls_are_linked_with_rel(self) -> None:
        output = render_markdown("see https://example.org/a?b=1&c=2 and www.nhs.uk today")
        assert [link["href"] for link in links(output)] == [
            "https://example.org/a?b=1&c=2",
            "http://www.nhs.uk",
        ]
        assert_inert(output)

    def test_urls_inside_code_are_not_linked(self) -> None:
        assert "<a" not in render_markdown("`https://example.org`\n\n    https://example.org")

    def test_target_is_never_kept(self) -> None:
        output = render_markdown("[x](https://example.org){target=_blank}")
        assert links(output) == [
            {"href": "https://example.org", "rel": "nofollow noopener noreferrer"}
        ]

    def test_autolinks_and_mail_links(self) -> None:
        output = render_markdown("<https://example.org> <someone@example.org>")
        assert [link["href"] for link in links(output)] == [
            "https://example.org",
            "mailto:someone@example.org",
        ]

    def test_relative_and_fragment_links_are_kept(self) -> None:
        output = render_markdown("[case](/cases/12) [above](#reply-3)")
        assert [link["href"] for link in links(output)] == ["/cases/12", "#reply-3"]

    @pytest.mark.parametrize(
        "source",
        [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](jav&#x09;ascript:alert(1))",
            "[x](&#106;avascript:alert(1))",
            "[x](javascript&colon;alert(1))",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](ftp://example.org/file)",
            "[x][r]\n\n[r]: javascript:alert(1)",
        ],
    )
    def test_unsafe_schemes_leave_the_text_without_a_link(self, source: str) -> None:
        assert render_markdown(source) == "<p>x</p>"


class TestRawHtmlAndImages:
    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("<b>bold?</b>", "<p>&lt;b&gt;bold?&lt;/b&gt;</p>"),
            ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
            ('<a href="/cases">x</a>', '<p>&lt;a href="/cases"&gt;x&lt;/a&gt;</p>'),
            ("<div>\nblock\n</div>", "<p>&lt;div&gt;<br>block<br>&lt;/div&gt;</p>"),
            ("<!-- note -->", "<p>&lt;!-- note --&gt;</p>"),
        ],
    )
    def test_raw_html_is_shown_as_text(self, source: str, expected: str) -> None:
        assert render_markdown(source) == expected

    def test_images_become_their_alt_text(self) -> None:
        output = render_markdown("before ![scan of the letter](https://x.org/a.png) after")
        assert output == "<p>before scan of the letter after</p>"

    def test_linked_images_keep_the_link_and_the_alt_text(self) -> None:
        output = render_markdown("[![chart](c.png)](https://example.org)")
        assert links(output)[0]["href"] == "https://example.org"
        assert ">chart</a>" in output

    def test_reference_images_are_stripped_too(self) -> None:
        assert render_markdown("![photo][p]\n\n[p]: https://x.org/p.jpg") == "<p>photo</p>"


class TestHostileInput:
    def test_the_corpus_is_large_enough(self) -> None:
        assert len(VECTORS) >= 80

    @pytest.mark.parametrize("vector", VECTORS, ids=[f"v{i:03d}" for i in range(len(VECTORS))])
    def test_no_vector_yields_anything_executable(self, vector: str) -> None:
        assert_inert(render_markdown(vector))

    @pytest.mark.parametrize(
        "source",
        ["a\x00b", "\x00" * 50, "\x02wzxhzdk:0\x03", "x\x1b[31m", "\ud800", "\ufeff\u2028"],
    )
    def test_control_characters_and_lone_surrogates_do_not_break_rendering(
        self, source: str
    ) -> None:
        output = render_markdown(source)
        assert_inert(output)
        assert "\x00" not in output and "\x02" not in output

    @pytest.mark.parametrize(
        "source",
        ["[" * 20_000, "![" * 10_000, "`" * 20_000, "(" * 20_000, "[a](" * 5_000, "<" * 20_000],
    )
    def test_pathological_syntax_renders_in_bounded_time(self, source: str) -> None:
        started = time.perf_counter()
        assert_inert(render_markdown(source))
        assert time.perf_counter() - started < 5  # 10-45 s each without the guards

    def test_threads_render_the_same_html(self) -> None:
        sources = [
            f"**{n}** [l](https://x.org/{n}) ```\nx\n```\n| a |\n|-|\n| {n} |" for n in range(40)
        ]
        expected = [render_markdown(source) for source in sources]
        results: dict[int, list[str]] = {}

        def work(worker: int) -> None:
            results[worker] = [render_markdown(source) for source in sources]

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(result == expected for result in results.values())


FRAGMENTS = [
    "<", ">", '"', "'", "&", "&#", "&#x6A;", "&colon;", ";", "[", "]", "(", ")", "!", "`",
    "```", "*", "_", "\n", "\n\n", "\t", " ", "\x00", "\x01", "\x02", "\x03", "\x0b", "\x7f",
    "javascript:", "JaVaScRiPt:", "vbscript:", "data:", "http://", "www.a.org", "@handle", "# ",
    "> ", "- ", "1. ", "|", "---", "=", "onerror=", "style=", "<script>", "</script>",
    "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "<a href=", "](", "![",
    "[x]: ", "{: ", "}", "*[", "]: ", "\\",
]  # fmt: skip
markdownish = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=40).map(
    "".join
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.one_of(markdownish, st.text()))
def test_any_text_renders_without_error_and_stays_inert(text: str) -> None:
    assert_inert(render_markdown(text))
    plain_text(text)


class TestPlainText:
    def test_markup_is_removed_and_entities_unescaped(self) -> None:
        source = "# Review\n\n**Low** mood & [poor sleep](https://x.org) ![scan](s.png)\n\n- a\n- b"
        assert plain_text(source) == "Review Low mood & poor sleep scan a b"

    def test_raw_html_is_kept_as_the_text_it_showed(self) -> None:
        assert plain_text("use <b> for bold &amp; more") == "use <b> for bold & more"

    def test_blocks_and_cells_do_not_run_together(self) -> None:
        assert plain_text("| a | b |\n|-|-|\n| 1 | 2 |\n\nend\nline") == "a b 1 2 end line"

    def test_whitespace_is_collapsed(self) -> None:
        assert plain_text("  one \t two\n\n\n three  ") == "one two three"

    @pytest.mark.parametrize("text", [None, "", "   \n\t"])
    def test_nothing_gives_an_empty_string(self, text: str | None) -> None:
        assert plain_text(text) == ""


class TestExcerpt:
    def test_short_text_is_returned_whole(self) -> None:
        assert excerpt("**Short** post") == "Short post"

    def test_long_text_is_cut_on_a_word_with_an_ellipsis(self) -> None:
        result = excerpt("alpha beta gamma delta epsilon", length=16)
        assert result == "alpha beta…"

    def test_a_cut_that_falls_on_a_space_keeps_the_whole_last_word(self) -> None:
        assert excerpt("alpha beta gamma", length=11) == "alpha beta…"

    def test_a_single_long_word_is_cut_hard(self) -> None:
        assert excerpt("x" * 50, length=10) == "x" * 9 + "…"

    def test_trailing_punctuation_is_dropped_before_the_ellipsis(self) -> None:
        assert excerpt("first, second third", length=10) == "first…"

    def test_default_length_is_200(self) -> None:
        result = excerpt("word " * 100)
        assert len(result) <= 200 and result.endswith("word…")

    @given(st.text(), st.integers(min_value=1, max_value=300))
    @settings(max_examples=200, deadline=None, database=None)
    def test_never_longer_than_asked(self, text: str, length: int) -> None:
        assert len(excerpt(text, length)) <= length
