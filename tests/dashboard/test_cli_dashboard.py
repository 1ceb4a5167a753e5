"""``exitwave dashboard``: options and refusals (the server itself: test_dashboard_browser.py)."""

from __future__ import annotations

import subprocess
import sys


def _dashboard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exitwave", "dashboard", *args],
                          capture_output=True, text=True, timeout=120)


def test_help_names_the_options():
    result = _dashboard("--help")
    assert result.returncode == 0
    for option in ("--host", "--port", "--max-agent-days"):
        assert option in result.stdout


def test_a_nonsense_limit_or_port_is_refused_before_starting():
    result = _dashboard("--max-agent-days", "0")
    assert result.returncode == 2 and "--max-agent-days" in result.stderr
    result = _dashboard("--port", "70000")
    assert result.returncode == 2 and "--port" in result.stderr
