"""The agent table: men of mobilizable age as struct-of-arrays, synthesized from regional tables.

Agents are laid out sorted by region, then age, so every region × age-band stratum is a
contiguous block (the contact network's homophily uses those blocks). Attributes are drawn from
counter-based streams, so the same seed gives the same men whatever the thread count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange

from exitwave.errors import InputError, RunError
from exitwave.households import agents_per_household, assign_households
from exitwave.random import Stream, key_for, uniform_at
from exitwave.scenario.schema import PopulationSpec
from exitwave.world import World

__all__ = ["Population", "synthesize", "route_classes_and_groups", "AGE_BAND_YEARS", "largest_remainder"]

AGE_BAND_YEARS = 10
"""Width of the age bands used for network homophily (years)."""

LAYER_STRATUM, LAYER_REGION, LAYER_GLOBAL = 0, 1, 2

MAX_AGENTS = 2**31 - 1
"""Agent ids are 32-bit integers in the heaps and front units."""


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` whole units in proportion to ``weights`` (Hamilton's method)."""
    weights = np.asarray(weights, dtype=np.float64)
    if total <= 0 or not 0 < weights.sum() < np.inf:  # no (or infinite) weight: nothing to split by
        return np.zeros(weights.shape, dtype=np.int64)
    exact = weights / weights.sum() * total
    counts = np.floor(exact).astype(np.int64)
    short = int(total - counts.sum())
    if short:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


@dataclass
class Population:
    """Static attributes of the men (one numpy column each) and the network's layout."""

    n: int
    scale: float
    region: np.ndarray  # int16, region index
    age: np.ndarray  # uint8, years
    reservist: np.ndarray  # bool, has military experience
    means: np.ndarray  # float32, 0..1 ability to pay for leaving
    passport: np.ndarray  # bool, holds an international passport
    threshold: np.ndarray  # float32, share of contacts abroad that makes him go (threshold rule)
    hostile: np.ndarray  # bool, a hostile agent hidden among leavers (security screening)
    stratum: np.ndarray  # int32, region × age band
    stratum_start: np.ndarray
    stratum_size: np.ndarray
    region_start: np.ndarray
    region_size: np.ndarray
    layer_keys: np.ndarray  # uint64, one per network layer
    layer_kind: np.ndarray  # int8, LAYER_*
    degree: int
    # households (exitwave.households): empty arrays when the run has none
    household: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # int32, lowest agent id of his household
    household_order: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # agents sorted by household
    household_sorted: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # household[household_order]
    household_adults: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))  # adults (agents) in his household
    households: bool = False  # whether households move together in this run



def men_by_age(world: World, age_min: int, age_max: int, sexes: str = "men") -> np.ndarray:
    """People per single year of age from ``age_min`` to ``age_max`` (national): men, or with
    ``sexes="all"`` men and women (the age pyramid's ``women`` column)."""
    years = np.arange(age_min, age_max + 1)
    men = np.zeros(years.shape[0])
    counts = world.age_men
    if sexes == "all":
        if world.age_women.size == 0:
            raise InputError(str(world.folder / "age_pyramid.csv"), "women",
                             "population.sexes is 'all': expected a women column in the age pyramid")
        counts = world.age_men + world.age_women
    for lo, hi, count in zip(world.age_from, world.age_to, counts, strict=True):
        per_year = count / (hi - lo + 1)
        men[(years >= lo) & (years <= hi)] += per_year
    return men


@njit(cache=True, parallel=True)
def _continuous_kernel(key1, key2, region, age, region_logit, spread, threshold_mean, threshold_sd,
                       means, threshold):
    # One Box–Muller pair gives two independent normals: cos for means, sin for the threshold.
    for i in prange(region.shape[0]):
        radius = np.sqrt(-2.0 * np.log1p(-uniform_at(key1, i)))
        angle = 2.0 * np.pi * uniform_at(key2, i)
        logit = region_logit[region[i]] - 0.01 * (age[i] - 35.0)
        means[i] = 1.0 / (1.0 + np.exp(-(logit + spread * radius * np.cos(angle))))
        threshold[i] = min(1.0, max(0.0, threshold_mean + threshold_sd * radius * np.sin(angle)))


@njit(cache=True, parallel=True)
def _flags_kernel(keys, age, means, mean_means, reservist_share, passport_share, hostile_share,
                  reservist, passport, hostile):
    for i in prange(age.shape[0]):
        share = reservist_share * (0.2 if age[i] < 20 else 1.0)
        reservist[i] = uniform_at(keys[0], i) < share
        p = min(1.0, max(0.0, passport_share * means[i] / mean_means))
        passport[i] = uniform_at(keys[1], i) < p
        hostile[i] = uniform_at(keys[2], i) < hostile_share


@njit(cache=True)
def _strata_kernel(region, age, age_min, n_bands, n_strata, stratum):
    """Stratum (region × age band) of every man and the men per stratum, in one pass."""
    size = np.zeros(n_strata, np.int64)
    for i in range(region.shape[0]):
        s = np.int32(region[i]) * n_bands + (np.int32(age[i]) - age_min) // AGE_BAND_YEARS
        if s < 0 or s >= n_strata:
            raise ValueError("population synthesis: an age outside the population's age range")
        stratum[i] = s
        size[s] += 1
    return size


@njit(cache=True, parallel=True)
def _groups_kernel(region, passport, means, air_min_means, reservist, groups_per_region, route_class, group):
    for i in prange(region.shape[0]):
        rc = np.int16(passport[i]) * 2 + np.int16(means[i] >= air_min_means)
        route_class[i] = rc
        group[i] = np.int32(region[i]) * groups_per_region + rc * 2 + np.int32(reservist[i])


def route_classes_and_groups(pop: Population, air_min_means: float) -> tuple[np.ndarray, np.ndarray]:
    """Route class and decision group of every man (:func:`exitwave.vocabulary.route_class_of` of
    his passport and ``means >= air_min_means``, :func:`exitwave.vocabulary.decision_group_of`),
    both int16, in one parallel pass without the whole-population temporaries of the numpy
    formulas (the comparison in float32, as numpy makes it for a float32 column)."""
    from exitwave.vocabulary import GROUPS_PER_REGION

    route_class = np.empty(pop.n, np.int16)
    group = np.empty(pop.n, np.int16)
    _groups_kernel(pop.region, pop.passport, pop.means, np.float32(air_min_means), pop.reservist,
                   GROUPS_PER_REGION, route_class, group)
    return route_class, group


def _attributes(seed: int, region: np.ndarray, age: np.ndarray, means_index: np.ndarray,
                spec: PopulationSpec) -> tuple[np.ndarray, ...]:
    """Per-man attributes in two parallel passes (means first: passports follow means).

    * military experience: Bernoulli(reservist_share), a fifth of that below age 20;
    * means: logit-normal around 0.15 + 0.7 × the region's means index, slightly higher for the
      young (the 2022 leavers were young, urban and educated);
    * international passport: Bernoulli(passport_share × means / mean means);
    * threshold: Normal(threshold_mean, threshold_sd) clipped to [0, 1];
    * hostile: Bernoulli(hostile_share).
    """
    n = region.shape[0]
    centre = 0.15 + 0.7 * means_index
    region_logit = np.log(centre / (1.0 - centre))
    means = np.empty(n, np.float32)
    threshold = np.empty(n, np.float32)
    _continuous_kernel(key_for(seed, Stream.MEANS, 0),
                       key_for(seed, Stream.MEANS, 1),
                       region, age, region_logit, spec.means_spread, spec.threshold_mean,
                       spec.threshold_sd, means, threshold)
    keys = np.array([key_for(seed, Stream.RESERVIST, 0), key_for(seed, Stream.PASSPORT, 0),
                     key_for(seed, Stream.HOSTILE, 0)], dtype=np.uint64)
    reservist, passport, hostile = (np.empty(n, np.bool_) for _ in range(3))
    mean_means = max(float(means.mean(dtype=np.float64)), 1e-9)
    _flags_kernel(keys, age, means, mean_means, spec.reservist_share, spec.passport_share,
                  spec.hostile_share, reservist, passport, hostile)
    return reservist, means, passport, threshold, hostile


def synthesize(world: World, spec: PopulationSpec, seed: int) -> Population:
    """Build the agent table from the world's regional and age tables."""
    years = np.arange(spec.age_min, spec.age_max + 1)
    by_age = men_by_age(world, spec.age_min, spec.age_max, spec.sexes)
    total_men = by_age.sum()
    # The kernels below index by these counts without bounds checks (numba): inputs that would
    # make them disagree with n are refused here, never passed on (a corrupt heap, not an error).
    agents = total_men / spec.scale if spec.scale > 0 else math.inf
    if not (math.isfinite(agents) and agents < MAX_AGENTS):
        raise RunError(f"population synthesis: {total_men:g} men at {spec.scale:g} per agent is not a "
                       f"number of agents below {MAX_AGENTS:,}")
    n = max(1, int(round(agents)))
    # Agents are men (a call-up concerns them) or, with sexes: all, every adult of the ages
    men_weight = world.region_population * (world.region_male_share if spec.sexes == "men" else 1.0)
    per_region = largest_remainder(n, men_weight)
    if int(per_region.sum()) != n or np.any(per_region < 0):
        raise RunError("population synthesis: the regions' men (population × male_share) must be finite "
                       "and not all zero")
    region = np.repeat(np.arange(world.n_regions, dtype=np.int16), per_region)
    age = np.empty(n, dtype=np.uint8)
    cursor = 0
    for count in per_region:
        counts = largest_remainder(int(count), by_age)
        if int(counts.sum()) != int(count):
            raise RunError("population synthesis: the age pyramid's men must be finite and not all zero")
        age[cursor: cursor + count] = np.repeat(years.astype(np.uint8), counts)
        cursor += int(count)

    reservist, means, passport, threshold, hostile = _attributes(
        seed, region, age, world.region_means_index, spec)
    # stratum = region × n_bands + (age − age_min) // AGE_BAND_YEARS, and the men in each
    n_bands = int((spec.age_max - spec.age_min) // AGE_BAND_YEARS + 1)
    stratum = np.empty(n, np.int32)
    stratum_size = _strata_kernel(region, age, spec.age_min, n_bands, world.n_regions * n_bands, stratum)
    stratum_start = np.concatenate([[0], np.cumsum(stratum_size)[:-1]]).astype(np.int64)
    region_size = per_region.astype(np.int64)
    region_start = np.concatenate([[0], np.cumsum(region_size)[:-1]]).astype(np.int64)

    layers = spec.contacts_per_person // 2
    n_stratum = int(round(spec.homophily_region_age * layers))
    n_region = min(layers - n_stratum, int(round(spec.homophily_region * layers)))
    kind = np.array([LAYER_STRATUM] * n_stratum + [LAYER_REGION] * n_region
                    + [LAYER_GLOBAL] * (layers - n_stratum - n_region), dtype=np.int8)
    keys = np.array([key_for(seed, Stream.NETWORK, m) for m in range(layers)], dtype=np.uint64)
    households = spec.households == "world" and world.households is not None
    if households:
        assert world.households is not None
        # the world's households are in people; at ``scale`` people per agent a household spans
        # fewer agents, and none more than one where an agent holds the largest household (the
        # scale asked for, not total_men / n: at scale 1 a household is exactly the family)
        households = max(agents_per_household(world.households, spec.scale)) > 1
    if households:
        assert world.households is not None
        household = assign_households(seed, region_start, region_size, world.households, spec.scale)
        order = np.argsort(household, kind="stable").astype(np.int64)
        adults = np.bincount(household, minlength=n)[household].astype(np.uint8)
    else:  # not used without households (exitwave.households returns its input): no memory spent
        household, order, adults = np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.uint8)
    return Population(
        n=n, scale=float(total_men / n), region=region, age=age, reservist=reservist,
        means=means, passport=passport, threshold=threshold, hostile=hostile,
        stratum=stratum, stratum_start=stratum_start, stratum_size=stratum_size,
        region_start=region_start, region_size=region_size, layer_keys=keys, layer_kind=kind,
        degree=2 * layers, household=household, household_order=order,
        household_sorted=household[order], household_adults=adults, households=households,
    )


def contacts(pop: Population, agents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Contacts of ``agents`` as a CSR batch (offsets, neighbours)."""
    from exitwave.kernels.network import contacts_csr

    return contacts_csr(agents, pop.layer_keys, pop.layer_kind, pop.stratum_start,
                        pop.stratum_size, pop.region_start, pop.region_size, pop.stratum,
                        pop.region, pop.n)
