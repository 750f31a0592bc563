"""The one escaping function and the link check."""

from __future__ import annotations

import pytest

from solidarity.safety import esc, link, md, safe_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain", "plain"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("Café `t Hoekske", "Café &#96;t Hoekske"),
        ("${alert(1)}", "&#36;&#123;alert(1)&#125;"),
        ("back\\slash", "back&#92;slash"),
        ('"quoted" & \'single\'', "&quot;quoted&quot; &amp; &#x27;single&#x27;"),
        (None, ""),
        (42, "42"),
    ],
)
def test_esc(raw: object, expected: str) -> None:
    assert esc(raw) == expected


@pytest.mark.parametrize("value", ["<script>", "`", "${x}", "\\", "'\"", "</script><script>alert(1)</script>"])
def test_esc_output_has_no_active_characters(value: str) -> None:
    out = esc(value)
    assert not set(out) & set("<>`$\\\"'")


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://saamo.be/antwerpen/", True),
        ("http://example.org", True),
        ("mailto:info@example.org", True),
        ("  https://example.org/x  ", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox", False),
        ("//example.org", False),
        ("/relative", False),
        ("https://", False),
        ("https://exa mple.org", False),
        ('https://example.org/"onmouseover="alert(1)', False),
        ("mailto:nobody", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_url(url: object, ok: bool) -> None:
    assert (safe_url(url) is not None) is ok


def test_link_escapes_label_and_drops_unsafe_href() -> None:
    assert link("javascript:alert(1)", "<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    html = link("https://example.org/?a=1&b=2", "Site `x`")
    assert html.startswith('<a href="https://example.org/?a=1&amp;b=2"')
    assert "&#96;x&#96;" in html and 'rel="noopener noreferrer"' in html


@pytest.mark.parametrize(
    "raw",
    ["[click](javascript:alert(1))", "![img](https://evil.example/x.png)", "# heading", "$x^2$", "<b>bold</b>",
     "**bold** _it_ `code`", "line\nbreak | table |", "https://example.org"],
)
def test_md_neutralises_markdown(raw: str) -> None:
    import re

    out = md(raw)
    # Every special character is preceded by a backslash: nothing is left to parse.
    assert not re.search(r"(?<!\\)[\[\]()!#$<>*_`|:]", out.replace("\\\\", ""))
    assert "\n" not in out


def test_md_keeps_plain_text() -> None:
    assert md("Buurtwerk De Wijk") == "Buurtwerk De Wijk"
    assert md(None) == ""


@pytest.mark.parametrize("raw", ["{{ 7*7 }}", "{% if true %}x{% endif %}", "{# c #}", "{{ cycler.__init__.__globals__.os.getpid() }}"])
def test_esc_neutralises_jinja(raw: str) -> None:
    out = esc(raw)
    assert "{" not in out and "}" not in out


def test_folium_does_not_evaluate_escaped_templates() -> None:
    import folium

    fmap = folium.Map(tiles=None)
    folium.Marker((51.2, 4.4), tooltip=esc("{{ 7*7 }} x"), popup=folium.Popup(esc("{% if true %}y{% endif %}"))).add_to(fmap)
    html = fmap.get_root().render()
    assert "49 x" not in html
    assert "&#123;&#123; 7*7 &#125;&#125; x" in html


def test_table_html_is_semantic_and_escapes_every_cell() -> None:
    import pandas as pd

    from solidarity.views import table_html

    frame = pd.DataFrame(
        {
            "Naam": ["<img src=x onerror=alert(1)>", "Gewoon"],
            "Adres": ["`${alert(2)}`", None],
            "Website": ["javascript:alert(3)", "https://example.org/?a=1&b=2"],
        }
    )
    html = table_html(frame, "Lijst <b>", link_columns={"Website"})
    assert "<img" not in html and "<b>" not in html and "href=\"javascript" not in html
    assert "<td>javascript:alert(3)</td>" in html  # an unsafe link stays text
    assert "${" not in html and "`" not in html
    assert '<caption>Lijst &lt;b&gt;</caption>' in html
    assert '<th scope="col">Naam</th>' in html
    assert '<th scope="row">&lt;img src=x onerror=alert(1)&gt;</th>' in html
    assert '<a href="https://example.org/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">example.org</a>' in html
    assert html.count("<tr>") == 3  # the header row and two rows
    assert "<td></td>" in html  # a missing value is an empty cell, not "None"
