"""The front's daily agent accounting in single numba passes over the fit soldiers.

Each day the men-level counts of the front's units say how many agents of each accounting group
move to KILLED, WOUNDED, DESERTED and SURRENDERED (``due``). The agents are drawn among the
group's fit soldiers uniformly without replacement by *selection sampling* (Knuth's algorithm S:
walking the soldiers in their stored order, a soldier of group g is taken with probability
``still needed / still available`` in g, one keyed uniform each), so no key array is sorted; the
outcomes are then dealt to the chosen agents of a group as a uniformly random permutation (a
sequential multivariate hypergeometric draw, a second keyed uniform each). Both uniforms are pure
functions of (seed, stream, day, agent): same seed, same result.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from exitwave.kernels.binomial import binomial_inverse
from exitwave.random import uniform_at

__all__ = ["pick_carriers", "unit_draws", "N_PARAMETERS"]


@njit(cache=True)
def pick_carriers(pick_key, outcome_key, soldiers, group, available, due):
    """Draw ``due[g].sum()`` agents of each accounting group g among the fit ``soldiers`` (their
    groups in ``group``, ``available[g]`` of them in g; the caller makes sure the due never exceed
    it) and deal them outcome k ``due[g, k]`` times.

    The soldiers not chosen are moved to the front of ``soldiers`` and ``group``, in their order
    (in place). Returns (how many were kept, the chosen agents, the outcome index of each).
    """
    n_groups, n_outcomes = due.shape
    need = np.zeros(n_groups, np.int64)
    total = 0
    for g in range(n_groups):
        for k in range(n_outcomes):
            need[g] += due[g, k]
        total += need[g]
    left = available.copy()
    remaining = due.copy()  # outcomes still to deal, per group
    chosen = np.empty(total, np.int64)
    outcome = np.empty(total, np.int64)
    n_kept = 0
    n_chosen = 0
    for i in range(soldiers.shape[0]):
        agent = soldiers[i]
        g = group[i]
        if need[g] > 0 and uniform_at(pick_key, agent) * left[g] < need[g]:
            # deal one of the group's outcomes still to deal, each with its remaining share
            x = uniform_at(outcome_key, agent) * need[g]
            k = 0
            acc = remaining[g, 0]
            while x >= acc and k < n_outcomes - 1:
                k += 1
                acc += remaining[g, k]
            while remaining[g, k] == 0:  # rounding at the upper edge: the last outcome left
                k -= 1
            remaining[g, k] -= 1
            need[g] -= 1
            chosen[n_chosen] = agent
            outcome[n_chosen] = k
            n_chosen += 1
        else:
            soldiers[n_kept] = agent
            group[n_kept] = g
            n_kept += 1
        left[g] -= 1
    return n_kept, chosen, outcome


# Indices into the parameter vector of :func:`unit_draws` (filled by ``Force`` from ``Front``).
(P_DESERTION_RATE, P_MORALE_BASE, P_MORALE_WEIGHT, P_COERCION, P_COERCION_EFFECT, P_ASYLUM_EFFECT,
 P_CASUALTY_ACTIVE, P_OPPORTUNITY, P_SURRENDER_RATE, P_CREDIBILITY_EFFECT, P_CREDIBILITY_REFERENCE,
 P_OVERRUN_LOGODDS, P_MEMORY_DAYS, P_CONTAGION_UNIT, P_CONTAGION_NEIGHBOURS, P_CONTAGION_ARMY,
 P_KILLED_SHARE, P_CARERS, N_PARAMETERS) = range(19)


@njit(cache=True, inline="always")
def _own_at(par, morale, rate, refuge, overrun, exposed, credibility):
    """Scalar twin of ``modules.force.own_hazards`` (with ``surrender_choice``) for one unit."""
    morale_gap = par[P_MORALE_BASE] - morale
    coercion = par[P_COERCION] - 0.5
    desertion = (par[P_DESERTION_RATE] * np.exp(par[P_MORALE_WEIGHT] * morale_gap)
                 * np.exp(-par[P_COERCION_EFFECT] * coercion) * (1.0 + par[P_ASYLUM_EFFECT] * refuge))
    contact = par[P_OPPORTUNITY] * (rate / max(par[P_CASUALTY_ACTIVE], 1e-12))
    opportunity = min(contact + (1.0 - contact) * overrun, 1.0) * exposed
    reference = par[P_SURRENDER_RATE] / par[P_OPPORTUNITY]
    if reference <= 0.0:
        return desertion, 0.0
    logit = (np.log(reference) - np.log1p(-reference)
             + par[P_CREDIBILITY_EFFECT] * (credibility - par[P_CREDIBILITY_REFERENCE])
             - par[P_COERCION_EFFECT] * coercion + par[P_MORALE_WEIGHT] * morale_gap
             + par[P_OVERRUN_LOGODDS] * overrun)
    return desertion, opportunity * 0.5 * (1.0 + np.tanh(0.5 * logit))


@njit(cache=True)
def unit_draws(keys, par, strength, in_care, morale, excess, army_excess, rate, overrun_chance, refuge,
               credibility):
    """One day of the units' men-level draws, unit by unit in one pass (the arithmetic of
    ``Force._fight`` up to the hotline; the numpy functions of ``modules.force`` are its reference).

    ``keys``: stream keys of (overrun, casualty, killed share, desertion, surrender); ``par``: the
    front's parameters (``P_*`` indices). Returns, per unit, (overrun 0/1, fit men, killed,
    wounded, deserted, surrendered, exits the unit's own hazards expected).
    """
    n_units = strength.shape[0]
    overrun = np.zeros(n_units)
    fit = np.empty(n_units, np.int64)
    killed = np.empty(n_units, np.int64)
    wounded = np.empty(n_units, np.int64)
    deserted = np.empty(n_units, np.int64)
    surrendered = np.empty(n_units, np.int64)
    expected = np.empty(n_units)
    p_casualty = -np.expm1(-rate)
    weight = -np.expm1(-1.0 / par[P_MEMORY_DAYS])  # the contagion kernel sums to 1 over the days
    for u in range(n_units):
        s = strength[u]
        n = int(np.floor(s + 1e-9))
        carers = min(par[P_CARERS] * in_care[u], s)
        exposed = 1.0 - carers / max(s, 1e-9) if s > 0 else 0.0
        if uniform_at(keys[0], u) < overrun_chance:
            overrun[u] = 1.0
        casualties = binomial_inverse(uniform_at(keys[1], u), int(np.floor(n * exposed + 1e-9)), p_casualty)
        killed[u] = binomial_inverse(uniform_at(keys[2], u), casualties, par[P_KILLED_SHARE])
        wounded[u] = casualties - killed[u]
        # own hazards today, then the contagion of excess exits shared between them as they are
        h_d, h_s = _own_at(par, morale[u], rate, refuge, overrun[u], exposed, credibility)
        own_total = h_d + h_s
        neighbours = 0.5 * (excess[u - 1] + excess[(u + 1) % n_units])
        extra = weight * (par[P_CONTAGION_UNIT] * excess[u] + par[P_CONTAGION_NEIGHBOURS] * neighbours
                          + par[P_CONTAGION_ARMY] * army_excess)
        share = h_d / own_total if own_total > 0.0 else 1.0
        total = max(own_total + extra, 0.0)
        fit[u] = n - casualties
        deserted[u] = binomial_inverse(uniform_at(keys[3], u), fit[u], -np.expm1(-total * share))
        surrendered[u] = binomial_inverse(uniform_at(keys[4], u), fit[u] - deserted[u],
                                          -np.expm1(-total * (1.0 - share)))
        # what the own hazards expected, over the chance of being overrun (no contagion)
        own_d, quiet_s = _own_at(par, morale[u], rate, refuge, 0.0, exposed, credibility)
        _, overrun_s = _own_at(par, morale[u], rate, refuge, 1.0, exposed, credibility)
        p_d = -np.expm1(-own_d)
        p_s = (1.0 - overrun_chance) * -np.expm1(-quiet_s) + overrun_chance * -np.expm1(-overrun_s)
        expected[u] = fit[u] * (p_d + (1.0 - p_d) * p_s)
    return overrun, fit, killed, wounded, deserted, surrendered, expected
