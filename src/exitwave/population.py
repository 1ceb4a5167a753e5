"""The agent table: men of mobilizable age as struct-of-arrays, synthesized from regional tables.

Agents are laid out sorted by region, then age, so every region × age-band stratum is a
contiguous block (the contact network's homophily uses those blocks). Attributes are drawn from
counter-based streams, so the same seed gives the same men whatever the thread count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from exitwave.random import Stream, normal, stream_key, uniform
from exitwave.scenario.schema import PopulationSpec
from exitwave.world import World

__all__ = ["Population", "synthesize", "AGE_BAND_YEARS", "largest_remainder"]

AGE_BAND_YEARS = 10
"""Width of the age bands used for network homophily (years)."""

LAYER_STRATUM, LAYER_REGION, LAYER_GLOBAL = 0, 1, 2


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` whole units in proportion to ``weights`` (Hamilton's method)."""
    weights = np.asarray(weights, dtype=np.float64)
    if total <= 0 or weights.sum() <= 0:
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
    group: np.ndarray  # int16, decision group = (region, passport, reservist)
    stratum: np.ndarray  # int32, region × age band
    stratum_start: np.ndarray
    stratum_size: np.ndarray
    region_start: np.ndarray
    region_size: np.ndarray
    layer_keys: np.ndarray  # uint64, one per network layer
    layer_kind: np.ndarray  # int8, LAYER_*
    degree: int

    @property
    def n_groups(self) -> int:
        return int(self.region_size.shape[0] * 4)

    def people(self, agents: int | float) -> int:
        """Agents → whole people."""
        return int(round(float(agents) * self.scale))


def men_by_age(world: World, age_min: int, age_max: int) -> np.ndarray:
    """Men per single year of age from ``age_min`` to ``age_max`` (national, people)."""
    years = np.arange(age_min, age_max + 1)
    men = np.zeros(years.shape[0])
    for lo, hi, count in zip(world.age_from, world.age_to, world.age_men, strict=True):
        per_year = count / (hi - lo + 1)
        men[(years >= lo) & (years <= hi)] += per_year
    return men


def synthesize(world: World, spec: PopulationSpec, seed: int) -> Population:
    """Build the agent table from the world's regional and age tables."""
    years = np.arange(spec.age_min, spec.age_max + 1)
    by_age = men_by_age(world, spec.age_min, spec.age_max)
    total_men = by_age.sum()
    n = max(1, int(round(total_men / spec.scale)))
    men_weight = world.region_population * world.region_male_share
    per_region = largest_remainder(n, men_weight)
    region = np.repeat(np.arange(world.n_regions, dtype=np.int16), per_region)
    age = np.empty(n, dtype=np.uint8)
    cursor = 0
    for count in per_region:
        counts = largest_remainder(int(count), by_age)
        age[cursor: cursor + count] = np.repeat(years.astype(np.uint8), counts)
        cursor += int(count)

    agents = np.arange(n, dtype=np.int64)
    young = age < 20
    reservist = uniform(seed, Stream.RESERVIST, 0, agents) < np.where(
        young, 0.2 * spec.reservist_share, spec.reservist_share)
    # Means: logit-normal around the region's means index; younger men slightly better off
    # (the 2022 leavers were young, urban and educated).
    centre = 0.15 + 0.7 * world.region_means_index[region]
    logit = np.log(centre / (1 - centre)) - 0.01 * (age.astype(np.float64) - 35.0)
    z = normal(seed, Stream.MEANS, 0, agents)
    means = (1.0 / (1.0 + np.exp(-(logit + spec.means_spread * z)))).astype(np.float32)
    passport_p = np.clip(spec.passport_share * means / max(float(means.mean()), 1e-9), 0.0, 1.0)
    passport = uniform(seed, Stream.PASSPORT, 0, agents) < passport_p
    threshold = np.clip(
        spec.threshold_mean + spec.threshold_sd * normal(seed, Stream.THRESHOLD, 0, agents), 0.0, 1.0
    ).astype(np.float32)
    hostile = uniform(seed, Stream.HOSTILE, 0, agents) < spec.hostile_share
    group = (region.astype(np.int32) * 4 + passport * 2 + reservist).astype(np.int16)

    band = ((age.astype(np.int32) - spec.age_min) // AGE_BAND_YEARS).astype(np.int32)
    n_bands = int((spec.age_max - spec.age_min) // AGE_BAND_YEARS + 1)
    stratum = region.astype(np.int32) * n_bands + band
    stratum_size = np.bincount(stratum, minlength=world.n_regions * n_bands).astype(np.int64)
    stratum_start = np.concatenate([[0], np.cumsum(stratum_size)[:-1]]).astype(np.int64)
    region_size = per_region.astype(np.int64)
    region_start = np.concatenate([[0], np.cumsum(region_size)[:-1]]).astype(np.int64)

    layers = spec.contacts_per_person // 2
    n_stratum = int(round(spec.homophily_region_age * layers))
    n_region = min(layers - n_stratum, int(round(spec.homophily_region * layers)))
    kind = np.array([LAYER_STRATUM] * n_stratum + [LAYER_REGION] * n_region
                    + [LAYER_GLOBAL] * (layers - n_stratum - n_region), dtype=np.int8)
    keys = np.array([stream_key(seed, Stream.NETWORK, m) for m in range(layers)], dtype=np.uint64)
    return Population(
        n=n, scale=float(total_men / n), region=region, age=age, reservist=reservist,
        means=means, passport=passport, threshold=threshold, hostile=hostile, group=group,
        stratum=stratum, stratum_start=stratum_start, stratum_size=stratum_size,
        region_start=region_start, region_size=region_size, layer_keys=keys, layer_kind=kind,
        degree=2 * layers,
    )


def contacts(pop: Population, agents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Contacts of ``agents`` as a CSR batch (offsets, neighbours)."""
    from exitwave.kernels.network import contacts_csr

    return contacts_csr(agents, pop.layer_keys, pop.layer_kind, pop.stratum_start,
                        pop.stratum_size, pop.region_start, pop.region_size, pop.stratum,
                        pop.region, pop.n)
