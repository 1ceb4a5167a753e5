"""The browser dashboard: pick and edit a policy, run it against a baseline, read the audit.

``exitwave dashboard`` starts the Streamlit app in :mod:`exitwave.dashboard.app`. The logic it
needs lives in plain modules that are tested without a browser: :mod:`~exitwave.dashboard.limits`
(the size limit of a request), :mod:`~exitwave.dashboard.paths` (which files the app may read),
:mod:`~exitwave.dashboard.proposal` (edits as validated dotted overrides) and
:mod:`~exitwave.dashboard.runner` (a comparison saved atomically under ``runs/dashboard/``).
"""

from exitwave.dashboard.limits import DEFAULT_MAX_AGENT_DAYS, Request, refusal
from exitwave.dashboard.paths import PathRefused, ProjectPaths, safe_path

__all__ = ["DEFAULT_MAX_AGENT_DAYS", "PathRefused", "ProjectPaths", "Request", "refusal", "safe_path"]
