"""The size limit of a dashboard request: agents × days × runs, refused above a ceiling.

A run's cost grows with the number of agents it simulates times the days it covers, so the work
of a request is measured in **agent-days**: agents (men of draft age ÷ men per agent) × days ×
runs (seeds × scenarios). On a 2-core laptop the engine does roughly 2–5 million agent-days per
second, so the default ceiling of 100 million agent-days keeps a dashboard comparison under
about a minute. ``exitwave dashboard --max-agent-days N`` changes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["DEFAULT_MAX_AGENT_DAYS", "Request", "refusal"]

DEFAULT_MAX_AGENT_DAYS = 100_000_000
"""Default ceiling on the work of one request (agent-days): under ~1 min on a laptop."""


@dataclass(frozen=True)
class Request:
    """What a dashboard comparison asks for.

    ``men``: men of draft age in the scenario's population (people); ``scale``: men per agent;
    ``days``: days simulated per run; ``seeds``: seeds per scenario; ``scenarios``: scenarios
    compared (each runs every seed).
    """

    men: float
    scale: float
    days: int
    seeds: int
    scenarios: int = 2

    @property
    def agents(self) -> int:
        """Agents per run (the engine's rounding: men ÷ scale, at least one)."""
        return max(1, int(round(self.men / self.scale)))

    @property
    def runs(self) -> int:
        """Runs in the request: seeds × scenarios."""
        return self.seeds * self.scenarios

    @property
    def work(self) -> int:
        """Work of the request in agent-days: agents × days × runs."""
        return self.agents * self.days * self.runs


def _n(value: float) -> str:
    return f"{value:,.0f}"


def refusal(request: Request, limit: int = DEFAULT_MAX_AGENT_DAYS) -> str | None:
    """None when ``request`` fits under ``limit`` (agent-days), else the message that refuses it.

    The message names the agents, days, runs and their product against the limit, and what would
    bring the request under it: a larger scale (men per agent), fewer seeds (never below two:
    an interval needs an ensemble) or fewer days.
    """
    if request.scale <= 0 or request.days < 1 or request.seeds < 1 or request.scenarios < 1:
        return (f"expected a positive scale, days, seeds and scenarios; got scale {request.scale:g}, "
                f"{request.days} days, {request.seeds} seeds, {request.scenarios} scenarios")
    work = request.work
    if work <= limit:
        return None
    per_seed = request.agents * request.days * request.scenarios
    per_day = request.agents * request.runs
    fixes = []
    max_agents = limit // (request.days * request.runs)
    if max_agents >= 1:
        fixes.append(f"a scale of at least {_n(math.ceil(request.men / max_agents))} men per agent")
    if limit // per_seed >= 2:  # an interval needs at least two seeds
        fixes.append(f"at most {limit // per_seed} seeds")
    if per_day <= limit:
        fixes.append(f"at most {_n(limit // per_day)} days")
    return (f"This request is too large to run here: {_n(request.agents)} agents "
            f"({_n(request.men)} men ÷ {request.scale:g} men per agent) × {_n(request.days)} days × "
            f"{request.runs} runs ({request.seeds} seeds × {request.scenarios} scenarios) = "
            f"{_n(work)} agent-days, above the limit of {_n(limit)} agent-days. "
            + (f"To reduce it, choose {' or '.join(fixes)}; or restart" if fixes else "Restart")
            + " the dashboard with a larger --max-agent-days.")
