"""The size limit of a dashboard request (agents × days × runs, and the estimated time)."""

from __future__ import annotations

import re

import pytest

from exitwave.dashboard.limits import (
    AGENT_DAY_SECONDS,
    DAY_SECONDS,
    DEFAULT_MAX_AGENT_DAYS,
    DEFAULT_MAX_SECONDS,
    RUN_SECONDS,
    Request,
    refusal,
    time_ceiling,
)

MEN = 40_000_000.0  # about Russia's men of draft age (people)


def test_work_is_agents_times_days_times_runs():
    request = Request(men=MEN, scale=2000, days=109, seeds=4, scenarios=2)
    assert request.agents == 20_000
    assert request.runs == 8
    assert request.work == 20_000 * 109 * 8


def test_a_small_request_is_accepted():
    assert refusal(Request(men=MEN, scale=2000, days=109, seeds=4)) is None
    assert refusal(Request(men=MEN, scale=2000, days=109, seeds=4), limit=20_000 * 109 * 8) is None  # at the limit


def test_an_oversized_request_is_refused_with_its_numbers_and_the_ways_out():
    request = Request(men=MEN, scale=200, days=109, seeds=10, scenarios=2)  # 200,000 agents
    message = refusal(request)
    assert message is not None
    for text in ("200,000 agents", "109 days", "20 runs", "10 seeds × 2 scenarios",
                 f"{request.work:,} agent-days", f"{DEFAULT_MAX_AGENT_DAYS:,} agent-days", "--max-agent-days"):
        assert text in message, text
    # the suggested scale, seeds and days each bring the request under the limit
    scale = float(re.search(r"scale of at least ([\d,]+) men per agent", message).group(1).replace(",", ""))
    assert refusal(Request(men=MEN, scale=scale, days=109, seeds=10)) is None
    seeds = int(re.search(r"at most (\d+) seeds", message).group(1))
    assert seeds >= 2 and refusal(Request(men=MEN, scale=200, days=109, seeds=seeds)) is None
    assert refusal(Request(men=MEN, scale=200, days=109, seeds=seeds + 1)) is not None
    days = int(re.search(r"at most ([\d,]+) days", message).group(1).replace(",", ""))
    assert refusal(Request(men=MEN, scale=200, days=days, seeds=10)) is None


def test_never_fewer_than_two_seeds_suggested():
    message = refusal(Request(men=MEN, scale=100, days=109, seeds=10))  # one seed pair is 87 M agent-days
    assert message is not None and "seeds;" not in message and "at most 1 " not in message
    assert "scale of at least" in message and "days;" in message


def test_no_impossible_suggestion_when_one_seed_is_already_too_much():
    request = Request(men=MEN, scale=1, days=109, seeds=2)  # 40 M agents: one seed is over the limit
    message = refusal(request)
    assert message is not None
    assert "seeds;" not in message and "at most 0" not in message
    assert "scale of at least" in message


def test_the_limit_is_configurable():
    request = Request(men=MEN, scale=2000, days=109, seeds=4)
    assert refusal(request, limit=request.work - 1) is not None
    assert refusal(request, limit=request.work) is None


def test_nonsense_sizes_are_refused():
    assert refusal(Request(men=MEN, scale=0, days=10, seeds=2)) is not None
    assert refusal(Request(men=MEN, scale=100, days=0, seeds=2)) is not None


# --- the time estimate (issue 16, defect 8): fixed costs of runs and days count too -------------

def test_one_agent_for_a_century_on_a_thousand_seeds_is_refused():
    request = Request(men=MEN, scale=MEN, days=36_500, seeds=1_000)
    assert request.agents == 1 and request.work <= DEFAULT_MAX_AGENT_DAYS  # agent-days alone let it pass
    message = refusal(request)
    assert message is not None
    assert "would take about" in message and "h here" in message and "2000 runs" in message


def test_the_estimate_adds_run_day_and_agent_day_costs():
    one = Request(men=MEN, scale=MEN, days=1, seeds=1, scenarios=1)
    assert one.seconds == pytest.approx(RUN_SECONDS + DAY_SECONDS + AGENT_DAY_SECONDS)
    big = Request(men=MEN, scale=2000, days=100, seeds=4)
    assert big.seconds == pytest.approx(8 * (RUN_SECONDS + 100 * (DAY_SECONDS + 20_000 * AGENT_DAY_SECONDS)))


def test_the_time_refusal_suggests_sizes_that_pass():
    request = Request(men=MEN, scale=MEN / 10, days=20_000, seeds=200)
    message = refusal(request)
    assert message is not None and "would take about" in message
    seeds = int(re.search(r"at most (\d+) seeds", message).group(1))
    assert seeds >= 2 and refusal(Request(men=MEN, scale=MEN / 10, days=20_000, seeds=seeds)) is None
    days = int(re.search(r"at most ([\d,]+) days", message).group(1).replace(",", ""))
    assert refusal(Request(men=MEN, scale=MEN / 10, days=days, seeds=200)) is None


def test_a_larger_agent_day_limit_raises_the_time_ceiling():
    assert time_ceiling() == DEFAULT_MAX_SECONDS
    assert time_ceiling(10**12) == pytest.approx(2 * 10**12 * AGENT_DAY_SECONDS)


def test_every_compared_scenario_counts_toward_the_limit():
    """The dashboard compares up to six scenarios: a request that fits with two is refused with
    six, and the seeds it suggests bring the six back under the limit."""
    two = Request(men=MEN, scale=2000, days=109, seeds=8, scenarios=2)
    six = Request(men=MEN, scale=2000, days=109, seeds=8, scenarios=6)
    assert six.runs == 3 * two.runs and six.work == 3 * two.work
    limit = two.work
    assert refusal(two, limit) is None
    message = refusal(six, limit)
    assert message is not None and "48 runs (8 seeds × 6 scenarios)" in message
    seeds = int(re.search(r"at most (\d+) seeds", message).group(1))
    assert refusal(Request(men=MEN, scale=2000, days=109, seeds=seeds, scenarios=6), limit) is None
