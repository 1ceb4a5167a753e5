"""The size limit of a dashboard request: agents × days × runs and a measured time estimate.

A run's cost grows with the number of agents it simulates times the days it covers, so the work
of a request is measured in **agent-days**: agents (men of draft age ÷ men per agent) × days ×
runs (seeds × scenarios). On a 2-core laptop the engine does roughly 2–5 million agent-days per
second, so the default ceiling of 100 million agent-days keeps a dashboard comparison under
about a minute. ``exitwave dashboard --max-agent-days N`` changes it.

Agent-days alone miss the fixed costs: a run of one agent still builds its world and population
and writes its folder, and each day still runs every module. One agent × 36,500 days × 1,000
seeds is only 73 million agent-days but about 80 hours of work. So a request is also refused when
its **estimated time** (:meth:`Request.seconds`: runs × (a run's overhead + days × (a day's
overhead + agents × the time per agent-day)), with the three costs measured on this project's
2-core development machine) exceeds a ceiling (:data:`DEFAULT_MAX_SECONDS`, or twice the time
the agent-day limit stands for, whichever is larger).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["DEFAULT_MAX_AGENT_DAYS", "DEFAULT_MAX_SECONDS", "Request", "refusal", "time_ceiling"]

DEFAULT_MAX_AGENT_DAYS = 100_000_000
"""Default ceiling on the work of one request (agent-days): under ~1 min on a laptop."""

DEFAULT_MAX_SECONDS = 600.0
"""Default ceiling on the estimated time of one request (s): ten minutes."""

RUN_SECONDS = 0.7
"""Fixed cost of one run (s): world, population, module set-up and writing its folder; measured
with 1,333 agents × 1 day of russia-2022 (best of 3, 2 shared cores, Nov 2026)."""

DAY_SECONDS = 0.0041
"""Fixed cost of one simulated day (s), whatever the agents: 7.6 ms a day at 1,333 agents (1 vs
401 days) less their agent-days."""

AGENT_DAY_SECONDS = 2.65e-6
"""Time per agent-day (s): 20,000 agents, 1 vs 101 days of russia-2022 (2 shared cores)."""


def time_ceiling(limit: int = DEFAULT_MAX_AGENT_DAYS) -> float:
    """The estimated seconds a request may take: :data:`DEFAULT_MAX_SECONDS`, or twice the time of
    ``limit`` agent-days when a larger limit was chosen."""
    return max(DEFAULT_MAX_SECONDS, 2.0 * limit * AGENT_DAY_SECONDS)


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

    @property
    def seconds(self) -> float:
        """Estimated time of the request (s): runs × (a run's overhead + days × (a day's overhead
        + agents × the time per agent-day)), with the costs measured here (module constants)."""
        return self.runs * (RUN_SECONDS + self.days * (DAY_SECONDS + self.agents * AGENT_DAY_SECONDS))


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds / 3600:,.1f} h"


def refusal(request: Request, limit: int = DEFAULT_MAX_AGENT_DAYS, max_seconds: float | None = None) -> str | None:
    """None when ``request`` fits under ``limit`` (agent-days), else the message that refuses it.

    The message names the agents, days, runs and their product against the limit, and what would
    bring the request under it: a larger scale (men per agent), fewer seeds (never below two:
    an interval needs an ensemble) or fewer days.
    """
    if request.scale <= 0 or request.days < 1 or request.seeds < 1 or request.scenarios < 1:
        return (f"expected a positive scale, days, seeds and scenarios; got scale {request.scale:g}, "
                f"{request.days} days, {request.seeds} seeds, {request.scenarios} scenarios")
    if not (math.isfinite(request.men) and math.isfinite(request.scale)):
        return f"expected finite men and scale; got {request.men:g} men, scale {request.scale:g}"
    ceiling = time_ceiling(limit) if max_seconds is None else max_seconds
    work = request.work
    if work <= limit:
        if request.seconds <= ceiling:
            return None
        # few agents, many days or runs: the fixed costs of runs and days dominate
        per_run = RUN_SECONDS + request.days * (DAY_SECONDS + request.agents * AGENT_DAY_SECONDS)
        fixes = []
        if ceiling // (per_run * request.scenarios) >= 2:
            fixes.append(f"at most {int(ceiling // (per_run * request.scenarios))} seeds")
        per_day = request.runs * (DAY_SECONDS + request.agents * AGENT_DAY_SECONDS)
        days = int((ceiling - request.runs * RUN_SECONDS) // per_day) if ceiling > request.runs * RUN_SECONDS else 0
        if days >= 1:
            fixes.append(f"at most {days:,} days")
        return (f"This request would take about {_duration(request.seconds)} here, above the limit of "
                f"{_duration(ceiling)}: {request.runs} runs ({request.seeds} seeds × {request.scenarios} "
                f"scenarios) × {_n(request.days)} days, each run about {RUN_SECONDS:g} s to build and "
                f"write and each day {1000 * DAY_SECONDS:g} ms plus {_n(request.agents)} agents × "
                f"{1e6 * AGENT_DAY_SECONDS:g} µs. "
                + (f"To reduce it, choose {' or '.join(fixes)}." if fixes else "Choose fewer seeds and days."))
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
