"""Whole-population passes done once per run or per wave, fused into single numba loops.

Each would otherwise build several 40 M-element temporaries in numpy (draws, weights, masks).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from exitwave.random import uniform_at

__all__ = ["selection_keys", "initial_trigger_keys"]


@njit(cache=True)
def selection_keys(key, status, status_ok, age, age_low, age_high, reservist, reservists_only,
                   means, means_weight, region, region_weight, region_power):
    """Weighted sampling without replacement by exponential keys, in one pass.

    For every eligible man (``status_ok[status]``, age in range, reservist if asked) returns his
    index and key ``E / w`` with ``E`` the exponential draw of ``key`` and
    ``w = exp(means_weight · (1 − means)) · region_weight[region] ** region_power``; the men with
    the smallest keys are drawn first.
    """
    n = status.shape[0]
    men = np.empty(n, np.int64)
    keys = np.empty(n, np.float64)
    count = 0
    for i in range(n):
        if not status_ok[status[i]] or age[i] < age_low or age[i] > age_high:
            continue
        if reservists_only and not reservist[i]:
            continue
        weight = np.exp(means_weight * (1.0 - means[i]))
        if region_power != 0.0:
            weight *= region_weight[region[i]] ** region_power
        men[count] = i
        keys[count] = -np.log1p(-uniform_at(key, i)) / max(weight, 1e-12)
        count += 1
    return men[:count], keys[:count]


@njit(cache=True, parallel=True)
def initial_trigger_keys(key, means, passport, age, cost_weight, no_passport_cost, age_weight, out):
    """Trigger level of every man at the start (nobody abroad yet): exponential resistance over
    his own hazard multiplier (see ``modules.decision.individual_weight``)."""
    for i in prange(means.shape[0]):
        log_w = (-cost_weight * (1.0 - np.float64(means[i]))
                 - no_passport_cost * (0.0 if passport[i] else 1.0)
                 - age_weight * (np.float64(age[i]) - 30.0) / 10.0)
        out[i] = -np.log1p(-uniform_at(key, i)) / np.exp(log_w)
