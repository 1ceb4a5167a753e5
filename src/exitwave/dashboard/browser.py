"""Drive the dashboard and the HTML report in headless Chromium (Playwright).

Used by the browser tests and by ``scripts/screenshots.py`` (the pictures in ``docs/img/``).
Playwright is a test dependency (``pip install -e '.[test]'``); Chromium is Debian's
``/usr/bin/chromium`` (``make test`` installs it), or the one named by ``EXITWAVE_CHROMIUM``.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM_ARGS", "chromium_path", "free_port", "launch", "serve", "choose", "choose_many",
           "set_number", "run_comparison"]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str:
    """The Chromium executable; a clear error (not a skip) when it is missing."""
    path = os.environ.get("EXITWAVE_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).is_file():
        raise RuntimeError(f"Chromium not found at {path}: install it (`sudo apt-get install chromium`, "
                           f"as `make test` does) or set EXITWAVE_CHROMIUM to its path")
    return path


def launch(playwright: Any) -> Any:
    """Headless Chromium from a ``sync_playwright()`` context."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(project: Path, port: int | None = None, max_agent_days: int | None = None,
          log: Path | None = None, timeout_s: float = 120.0) -> Iterator[str]:
    """Run ``exitwave dashboard`` in ``project`` on a free port; yield its URL once it answers.

    The server runs in its own process group and is stopped (SIGTERM, then SIGKILL) on exit.
    Its output goes to ``log`` (default ``project/dashboard.log``), quoted if it fails to start.
    """
    port = port or free_port()
    log = log or project / "dashboard.log"
    command = [sys.executable, "-m", "exitwave", "dashboard", "--port", str(port)]
    if max_agent_days is not None:
        command += ["--max-agent-days", str(max_agent_days)]
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=project, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True, env={**os.environ, "MPLBACKEND": "Agg"})
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"exitwave dashboard exited with {process.returncode}:\n"
                                       f"{log.read_text(errors='replace')}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                        if answer.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"exitwave dashboard did not answer at {url} within {timeout_s:.0f} s:\n"
                                       f"{log.read_text(errors='replace')}")
                time.sleep(0.5)
            yield url
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


def choose(page: Any, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_timeout(300)
    _settle(page)


def choose_many(page: Any, label: str, options: list[str]) -> None:
    """Add ``options`` to the Streamlit multiselect whose label starts with ``label``."""
    for option in options:
        page.get_by_role("combobox", name=re.compile("^" + re.escape(label))).click()
        page.get_by_role("option", name=option, exact=True).click()
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        _settle(page)


def set_number(page: Any, label: str, value: float) -> None:
    """Type ``value`` into the Streamlit number input labelled ``label`` and commit it."""
    field = page.get_by_label(label, exact=True)
    field.fill(f"{value:g}")
    field.press("Enter")
    page.wait_for_timeout(300)
    _settle(page)


def _settle(page: Any, timeout_ms: float = 60_000) -> None:
    """Wait until Streamlit has finished rerunning the script."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout_ms)


def run_comparison(page: Any, timeout_ms: float = 180_000) -> None:
    """Click *Run comparison* and wait for the claims audit table of the result."""
    page.get_by_role("button", name="Run comparison").click()
    page.locator(".st-key-claims table").wait_for(timeout=timeout_ms)
    _settle(page, timeout_ms)
