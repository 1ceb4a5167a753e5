"""User text shown as plain text, and only local Host headers answered (issue 16, defect 8)."""

from __future__ import annotations

import re
import string

import pytest

from exitwave.dashboard.guard import WORD_JOINER, host_allowed, plain


@pytest.mark.parametrize("text", [
    "![x](http://attacker.invalid/pixel.png)", "[click](javascript:alert(1))", "<img src=x onerror=alert(1)>",
    "**bold** _it_ `code` # heading", ":red[coloured] :material/home: $x^2$", "a\\b", "|a|b|\n|-|-|",
])
def test_markdown_and_html_are_escaped_character_by_character(text):
    escaped = plain(text)
    # every ASCII punctuation character is preceded by a backslash, nothing else is changed
    unescaped = re.sub(r"\\([" + re.escape(string.punctuation) + "])", r"\1", escaped)
    assert unescaped.replace(WORD_JOINER, "") == text
    assert "://" not in unescaped and "www." not in unescaped  # no autolink either
    # no Markdown construct survives: image, link, inline HTML (an unescaped <), emphasis
    for construct in ("![", "](", "**", ":red["):
        assert construct not in escaped
    assert not re.search(r"(^|[^\\])<", escaped)


def test_plain_text_stays_readable():
    assert plain("russia 2022") == "russia 2022"
    assert plain("asylum-coalition") == r"asylum\-coalition"
    assert plain(42) == "42"


@pytest.mark.parametrize("host", ["127.0.0.1:8501", "localhost:8501", "LOCALHOST", "[::1]:8501", "127.0.0.1"])
def test_local_host_headers_are_answered(host):
    assert host_allowed(host)


@pytest.mark.parametrize("host", ["attacker.example:8501", "rebind.test", "127.0.0.1.nip.io:8501",
                                  "localhost.attacker.example", "10.0.0.5:8501", "", None, "0.0.0.0:8501"])
def test_other_host_headers_are_refused(host):
    assert not host_allowed(host)


def test_the_address_the_dashboard_listens_on_is_answered_too():
    assert host_allowed("192.168.1.20:8501", listen="192.168.1.20")
    assert not host_allowed("192.168.1.21:8501", listen="192.168.1.20")
    assert not host_allowed("attacker.example", listen="0.0.0.0")  # a wildcard address names no host
