"""What the dashboard shows and whom it answers: user text as plain text, localhost only.

* :func:`plain` — scenario names, descriptions and error messages come from files anyone may
  write; Streamlit renders ``st.markdown``/``st.caption``/``st.error`` text as Markdown, where
  ``![x](http://host/…)`` makes the browser fetch any URL and ``[x](…)`` plants a link. Every
  ASCII punctuation character is backslash-escaped (CommonMark allows it for all of them), so the
  text shows exactly as written and nothing in it is markup.
* :func:`host_allowed` — a page served on 127.0.0.1 can still be reached from a web page through
  DNS rebinding (a name that first points at the attacker, then at 127.0.0.1): the browser then
  sends that name as ``Host``. The app answers only requests whose ``Host`` is localhost,
  127.0.0.1 or ::1 (with any port), or the address it was told to listen on.
"""

from __future__ import annotations

import re
import string

__all__ = ["LOCAL_HOSTS", "WORD_JOINER", "host_allowed", "plain"]

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_AUTOLINK = re.compile(r"://|(?i:www)\.|@")
WORD_JOINER = "\u2060"

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
"""Host names a local dashboard answers to."""


def plain(text: object) -> str:
    """``text`` escaped for Streamlit's Markdown: shown as written, never rendered as markup.

    Escapes do not stop GitHub-flavoured *autolinks* (``http://…``, ``www.…``, ``a@b.org`` are
    linked from plain text), so a word joiner (U+2060, invisible) is put inside each of them.
    """
    text = _AUTOLINK.sub(lambda m: m.group(0)[0] + WORD_JOINER + m.group(0)[1:], str(text))
    return _PUNCTUATION.sub(r"\\\1", text)


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8501
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:  # name:port
        return host.split(":", 1)[0]
    return host  # a bare name, or a bare IPv6 address


def host_allowed(host: str | None, listen: str = "127.0.0.1") -> bool:
    """Whether a request's ``Host`` header names this machine (or ``listen``, the address the
    dashboard was started on). A missing header is refused."""
    if not host:
        return False
    name = _hostname(host)
    allowed = {*LOCAL_HOSTS, _hostname(listen)} - {"0.0.0.0", "::", ""}
    return name in allowed
