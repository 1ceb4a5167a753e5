"""The contact network without storing it.

Contacts are the union of ``k/2`` random cycles ("layers"): in each layer the members of a block
(a region × age-band stratum, a region, or everyone) are put in a random order by a keyed
bijection and each is tied to the one before and after him. The union of random cycles is a
random regular graph (degree ``k``, no clustering by construction), ties are symmetric, and the
order is a pure function of the seed, so a contact list is recomputed on demand instead of
held in memory (12 contacts × 30 M men would be 1.4 GB of int32).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from exitwave.random import _mix

__all__ = ["permute", "unpermute", "layer_neighbours", "contacts_csr"]

_GOLD = np.uint64(0x9E3779B97F4A7C15)
_ONE = np.uint64(1)


@njit(cache=True, inline="always")
def _half_bits(n: int) -> np.uint64:
    bits = 2
    while (1 << bits) < n:
        bits += 1
    bits += bits & 1
    return np.uint64(bits // 2)


@njit(cache=True)
def permute(x: int, n: int, key: np.uint64) -> int:
    """A keyed bijection of [0, n): four Feistel rounds with cycle walking."""
    half = _half_bits(n)
    mask = (_ONE << half) - _ONE
    y = np.uint64(x)
    while True:
        left = y >> half
        right = y & mask
        for i in range(4):
            f = _mix(right + key + np.uint64(i) * _GOLD) & mask
            left, right = right, left ^ f
        y = (left << half) | right
        if y < np.uint64(n):
            return int(y)


@njit(cache=True)
def unpermute(y: int, n: int, key: np.uint64) -> int:
    """Inverse of :func:`permute`."""
    half = _half_bits(n)
    mask = (_ONE << half) - _ONE
    x = np.uint64(y)
    while True:
        left = x >> half
        right = x & mask
        for i in range(3, -1, -1):
            f = _mix(left + key + np.uint64(i) * _GOLD) & mask
            left, right = right ^ f, left
        x = (left << half) | right
        if x < np.uint64(n):
            return int(x)


@njit(cache=True)
def layer_neighbours(agent: int, start: int, size: int, key: np.uint64) -> tuple[int, int]:
    """The two contacts of ``agent`` in one cycle layer over the block [start, start+size).

    Returns (-1, -1) in blocks too small to form a cycle.
    """
    if size < 3:
        return -1, -1
    position = unpermute(agent - start, size, key)
    before = permute((position - 1) % size, size, key)
    after = permute((position + 1) % size, size, key)
    return start + before, start + after


@njit(cache=True, inline="always")
def _fill_one(j, agents, layer_keys, layer_kind, stratum_start, stratum_size, region_start,
              region_size, agent_stratum, agent_region, n_agents, out):
    a = agents[j]
    for m in range(layer_keys.shape[0]):
        kind = layer_kind[m]
        if kind == 0:
            s = agent_stratum[a]
            start, size = stratum_start[s], stratum_size[s]
            key = layer_keys[m] ^ (np.uint64(s) * _GOLD)
        elif kind == 1:
            r = agent_region[a]
            start, size = region_start[r], region_size[r]
            key = layer_keys[m] ^ (np.uint64(r) * _GOLD)
        else:
            start, size = 0, n_agents
            key = layer_keys[m]
        b, c = layer_neighbours(a, start, size, key)
        out[j, 2 * m] = b
        out[j, 2 * m + 1] = c


@njit(cache=True, parallel=True)
def _fill(agents, layer_keys, layer_kind, stratum_start, stratum_size, region_start,
          region_size, agent_stratum, agent_region, n_agents, out):
    for j in prange(agents.shape[0]):
        _fill_one(j, agents, layer_keys, layer_kind, stratum_start, stratum_size, region_start,
                  region_size, agent_stratum, agent_region, n_agents, out)


@njit(cache=True)
def _fill_few(agents, layer_keys, layer_kind, stratum_start, stratum_size, region_start,
              region_size, agent_stratum, agent_region, n_agents, out):
    for j in range(agents.shape[0]):
        _fill_one(j, agents, layer_keys, layer_kind, stratum_start, stratum_size, region_start,
                  region_size, agent_stratum, agent_region, n_agents, out)


_PARALLEL_FROM = 10_000
"""Below this many agents a day's contacts cost less than waking the threads (a few microseconds
per agent; on a busy machine a parallel launch can wait for milliseconds)."""


def contacts_csr(agents: np.ndarray, layer_keys: np.ndarray, layer_kind: np.ndarray,
                 stratum_start: np.ndarray, stratum_size: np.ndarray,
                 region_start: np.ndarray, region_size: np.ndarray,
                 agent_stratum: np.ndarray, agent_region: np.ndarray,
                 n_agents: int) -> tuple[np.ndarray, np.ndarray]:
    """Contacts of ``agents`` as a small CSR (offsets, neighbours); missing ties dropped."""
    agents = np.ascontiguousarray(agents, dtype=np.int64)
    out = np.empty((agents.shape[0], 2 * layer_keys.shape[0]), dtype=np.int64)
    if agents.shape[0]:
        kernel = _fill if agents.shape[0] >= _PARALLEL_FROM else _fill_few
        kernel(agents, layer_keys, layer_kind, stratum_start, stratum_size, region_start,
               region_size, agent_stratum, agent_region, n_agents, out)
    valid = out >= 0
    offsets = np.zeros(agents.shape[0] + 1, dtype=np.int64)
    np.cumsum(valid.sum(axis=1), out=offsets[1:])
    return offsets, out[valid]
