"""Whole-population passes done once per run or per wave, fused into single numba loops.

Each would otherwise build several 40 M-element temporaries in numpy (draws, weights, masks).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from exitwave.random import uniform_at

__all__ = ["selection_keys", "draw_order", "initial_trigger_keys"]


_CHUNKS = 256
"""Fixed blocks of men for the parallel passes (a fixed count, so the layout of the output never
depends on the number of threads)."""

_SAMPLE_EVERY = 64
"""One man in this many has his key drawn first, to find a cut-off below which the men wanted lie
(:func:`draw_order`)."""


@njit(cache=True, inline="always")
def _eligible(i, status, status_ok, age, age_low, age_high, reservist, reservists_only, summoned_day, exempt):
    if not status_ok[status[i]] or age[i] < age_low or age[i] > age_high:
        return False
    if reservists_only and not reservist[i]:
        return False
    # optional: only men never summoned and not exempt (empty arrays: everybody)
    return summoned_day.shape[0] == 0 or (summoned_day[i] < 0 and not exempt[i])


@njit(cache=True, inline="always")
def _key_at(key, i, means, means_weight, region, power, region_power):
    weight = np.exp(means_weight * (1.0 - means[i])) if means_weight != 0.0 else 1.0
    if region_power != 0.0:
        weight *= power[region[i]]
    return -np.log1p(-uniform_at(key, i)) / max(weight, 1e-12)


@njit(cache=True)
def _region_power(region_weight, region_power):
    power = np.ones(region_weight.shape[0], np.float64)
    if region_power != 0.0:
        for r in range(region_weight.shape[0]):
            power[r] = region_weight[r] ** region_power
    return power


@njit(cache=True, parallel=True)
def _keys_below(limit, draw_limit, key, status, status_ok, age, age_low, age_high, reservist,
                reservists_only, summoned_day, exempt, means, means_weight, region, region_weight,
                region_power):
    """Eligible men (in index order) whose key is at most ``limit``; a man whose uniform draw
    exceeds ``draw_limit`` of his region has a key above ``limit`` and is skipped without
    computing it (``draw_limit`` empty: every eligible man, whatever ``limit``). Two parallel passes over fixed
    blocks: count, then fill each block's share of the output."""
    n = status.shape[0]
    power = _region_power(region_weight, region_power)
    filtered = draw_limit.shape[0] > 0
    chunk = (n + _CHUNKS - 1) // _CHUNKS
    counts = np.zeros(_CHUNKS + 1, np.int64)
    for c in prange(_CHUNKS):
        found = 0
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if not _eligible(i, status, status_ok, age, age_low, age_high, reservist, reservists_only,
                             summoned_day, exempt):
                continue
            if filtered and (uniform_at(key, i) > draw_limit[region[i]]
                             or _key_at(key, i, means, means_weight, region, power, region_power) > limit):
                continue
            found += 1
        counts[c + 1] = found
    for c in range(_CHUNKS):
        counts[c + 1] += counts[c]
    men = np.empty(counts[_CHUNKS], np.int64)
    keys = np.empty(counts[_CHUNKS], np.float64)
    for c in prange(_CHUNKS):
        j = counts[c]
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if not _eligible(i, status, status_ok, age, age_low, age_high, reservist, reservists_only,
                             summoned_day, exempt):
                continue
            if filtered and uniform_at(key, i) > draw_limit[region[i]]:
                continue
            k = _key_at(key, i, means, means_weight, region, power, region_power)
            if filtered and k > limit:
                continue
            men[j] = i
            keys[j] = k
            j += 1
    return men, keys


@njit(cache=True)
def _sample_keys(key, status, status_ok, age, age_low, age_high, reservist, reservists_only,
                 summoned_day, exempt, means, means_weight, region, region_weight, region_power):
    """Keys of the eligible men among every ``_SAMPLE_EVERY``-th man."""
    power = _region_power(region_weight, region_power)
    out = np.empty(status.shape[0] // _SAMPLE_EVERY + 1, np.float64)
    m = 0
    for i in range(0, status.shape[0], _SAMPLE_EVERY):
        if _eligible(i, status, status_ok, age, age_low, age_high, reservist, reservists_only,
                     summoned_day, exempt):
            out[m] = _key_at(key, i, means, means_weight, region, power, region_power)
            m += 1
    return out[:m]


_NONE_I32 = np.zeros(0, np.int32)
_NONE_BOOL = np.zeros(0, np.bool_)
_NO_LIMIT = np.zeros(0, np.float64)


def selection_keys(key, status, status_ok, age, age_low, age_high, reservist, reservists_only,
                   means, means_weight, region, region_weight, region_power, summoned_day=_NONE_I32,
                   exempt=_NONE_BOOL):
    """Weighted sampling without replacement by exponential keys, in one pass.

    For every eligible man (``status_ok[status]``, age in range, reservist if asked, and with
    ``summoned_day``/``exempt`` given: never summoned and not exempt) returns his index and key
    ``E / w`` with ``E`` the exponential draw of ``key`` and
    ``w = exp(means_weight · (1 − means)) · region_weight[region] ** region_power``; the men with
    the smallest keys are drawn first. The region power is taken once per region and ``exp`` is
    skipped when ``means_weight`` is 0 (exp(0) = 1): the same bits as the man-by-man formula.
    """
    return _keys_below(np.inf, _NO_LIMIT, key, status, status_ok, age, age_low, age_high, reservist,
                       reservists_only, summoned_day, exempt, means, means_weight, region, region_weight,
                       region_power)


def draw_order(wanted, key, status, status_ok, age, age_low, age_high, reservist, reservists_only,
               means, means_weight, region, region_weight, region_power, summoned_day=_NONE_I32,
               exempt=_NONE_BOOL):
    """The eligible men with the ``wanted`` smallest keys (all of them if fewer), smallest key
    first: the first ``wanted`` men of a weighted draw without replacement (arguments as
    :func:`selection_keys`).

    Exactly ``men[np.argsort(keys, kind="stable")]`` after keeping the ``wanted`` smallest by
    ``np.argpartition``, for ``men, keys = selection_keys(...)``. Quicker when few are wanted:
    a sample of every ``_SAMPLE_EVERY``-th man gives a cut-off key a little above the wanted
    share, and only men whose uniform draw could give a key below it have their key computed.
    Whenever that might not give the same men in the same order (too few below the cut-off, or
    equal keys among or next to the men wanted) it falls back to the full pass.
    """
    args = (key, status, status_ok, age, age_low, age_high, reservist, reservists_only, summoned_day,
            exempt, means, means_weight, region, region_weight, region_power)
    wanted = int(wanted)
    if wanted > 0:
        sample = _sample_keys(*args)
        rank = int(np.ceil(wanted / _SAMPLE_EVERY * 1.25)) + 64  # margin: sampling noise
        if sample.size >= 1024 and rank < sample.size // 4:
            limit = float(np.partition(sample, rank)[rank])
            power = _region_power(np.asarray(region_weight, np.float64), region_power)
            heaviest = np.maximum(max(1.0, float(np.exp(means_weight))) * power, 1e-12)  # per region
            # a key E / w at most `limit` needs E ≤ limit · w ≤ limit · heaviest, that is a uniform
            # draw at most 1 − exp(−limit · heaviest) (with room for rounding)
            with np.errstate(over="ignore", invalid="ignore"):
                draw_limit = -np.expm1(-limit * heaviest * 1.01)
            draw_limit[~(draw_limit >= 0.0)] = 1.0  # nan: no limit
            if float(np.mean(draw_limit)) < 0.5:
                men, keys = _keys_below(limit, draw_limit, *args)
                if men.size > wanted:
                    part = np.argpartition(keys, wanted)
                    pick, next_key = part[:wanted], keys[part[wanted]]
                    order = pick[np.argsort(keys[pick], kind="stable")]
                    ordered = keys[order]
                    # distinct keys: the set and its order do not depend on how ties are broken
                    if ordered.size == 0 or (bool(np.all(ordered[1:] > ordered[:-1])) and next_key > ordered[-1]):
                        return men[order]
    men, keys = _keys_below(np.inf, _NO_LIMIT, *args)
    if wanted < men.size:
        pick = np.argpartition(keys, wanted)[:wanted]
        men, keys = men[pick], keys[pick]
    return men[np.argsort(keys, kind="stable")]


@njit(cache=True, parallel=True)
def initial_trigger_keys(key, means, passport, age, cost_weight, no_passport_cost, age_weight, out):
    """Trigger level of every man at the start (nobody abroad yet): exponential resistance over
    his own hazard multiplier (see ``modules.decision.individual_weight``)."""
    for i in prange(means.shape[0]):
        log_w = (-cost_weight * (1.0 - np.float64(means[i]))
                 - no_passport_cost * (0.0 if passport[i] else 1.0)
                 - age_weight * (np.float64(age[i]) - 30.0) / 10.0)
        out[i] = -np.log1p(-uniform_at(key, i)) / np.exp(log_w)
