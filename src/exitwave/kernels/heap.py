"""Event-driven decisions: one indexed min-heap per decision group.

Each man at home carries a *trigger level* ``key``: he decides to leave on the first day the
cumulative hazard of his group reaches it (next-reaction method). A day then costs work only for
the men who actually decide, not for the whole population. When his exposure rises (a contact
got abroad) his hazard is multiplied by ``odds``, which moves his trigger towards the current
level by that factor — a key update in the heap, not a rescan.

Heaps live in one array; group ``g`` owns ``heap[start[g] : start[g] + capacity[g]]`` and uses the
first ``size[g]`` slots. ``pos[agent]`` is the agent's absolute slot, -1 when not in a heap.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from exitwave.kernels.prefetch import prefetch

__all__ = ["heap_build", "heap_build_all", "group_sizes", "heap_remove", "heap_insert", "pop_due", "raise_hazard"]


@njit(cache=True)
def _sift_up(heap, pos, keys, base, i):
    agent = heap[base + i]
    k = keys[agent]
    while i > 0:
        parent = (i - 1) >> 1
        other = heap[base + parent]
        if keys[other] <= k:
            break
        heap[base + i] = other
        pos[other] = base + i
        i = parent
    heap[base + i] = agent
    pos[agent] = base + i


@njit(cache=True)
def _sift_down(heap, pos, keys, base, size, i):
    agent = heap[base + i]
    k = keys[agent]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[heap[base + child + 1]] < keys[heap[base + child]]:
            child += 1
        other = heap[base + child]
        if keys[other] >= k:
            break
        heap[base + i] = other
        pos[other] = base + i
        i = child
    heap[base + i] = agent
    pos[agent] = base + i


@njit(cache=True)
def _sift_down_local(heap, keys, base, size, i):
    """:func:`_sift_down` on a heap whose keys sit beside its slots (``keys[i]`` belongs to
    ``heap[base + i]``): the same comparisons and moves, without a gather per step."""
    agent = heap[base + i]
    k = keys[i]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= k:
            break
        heap[base + i] = heap[base + child]
        keys[i] = keys[child]
        i = child
    heap[base + i] = agent
    keys[i] = k


@njit(cache=True, parallel=True)
def _heapify(keys, start, size, heap, pos):
    """Heapify every group's filled slots and set ``pos`` (groups in parallel; each group's keys
    are copied beside its slots first, so the sift-downs read memory in order)."""
    for g in prange(start.shape[0]):
        base, n = start[g], size[g]
        local = np.empty(n, np.float64)
        for i in range(n):
            local[i] = keys[heap[base + i]]
        for i in range(n // 2 - 1, -1, -1):
            _sift_down_local(heap, local, base, n, i)
        for i in range(n):
            pos[heap[base + i]] = base + i


@njit(cache=True)
def _place(members, group, start, size, heap):
    for j in range(members.shape[0]):
        a = members[j]
        g = group[a]
        heap[start[g] + size[g]] = a
        size[g] += 1


@njit(cache=True)
def _place_all(group, start, size, heap):
    for a in range(group.shape[0]):
        g = group[a]
        heap[start[g] + size[g]] = a
        size[g] += 1


# Plain functions calling the parallel heapify from Python: a parallel kernel called only from
# inside another compiled function that was loaded from numba's cache may find numba's threads
# not started.
def heap_build(members, group, keys, start, size, heap, pos):
    """Put ``members`` into their groups' heaps and heapify each (O(n))."""
    _place(members, group, start, size, heap)
    _heapify(keys, start, size, heap, pos)


def heap_build_all(group, keys, start, size, heap, pos):
    """:func:`heap_build` of every agent ``0 … n − 1`` (without an array of their ids)."""
    _place_all(group, start, size, heap)
    _heapify(keys, start, size, heap, pos)


@njit(cache=True)
def group_sizes(group, n_groups):
    """Agents per group (``np.bincount`` of a small-integer column, without its intp copy)."""
    out = np.zeros(n_groups, np.int64)
    for a in range(group.shape[0]):
        g = group[a]
        if g < 0 or g >= n_groups:
            raise ValueError("group_sizes: a group outside 0 … n_groups − 1")
        out[g] += 1
    return out


@njit(cache=True)
def heap_remove(agents, group, keys, start, size, heap, pos):
    """Take agents out of their heaps (no-op for agents not in one)."""
    n = agents.shape[0]
    for j in range(n):
        if j + 8 < n:  # what the removal of an agent a few places ahead reads (see raise_hazard)
            prefetch(pos, agents[j + 8])
            prefetch(group, agents[j + 8])
        a = agents[j]
        slot = pos[a]
        if slot < 0:
            continue
        g = group[a]
        base = start[g]
        last = base + size[g] - 1
        size[g] -= 1
        pos[a] = -1
        if slot != last:
            moved = heap[last]
            heap[slot] = moved
            pos[moved] = slot
            i = slot - base
            if i > 0 and keys[heap[base + ((i - 1) >> 1)]] > keys[moved]:
                _sift_up(heap, pos, keys, base, i)
            else:
                _sift_down(heap, pos, keys, base, size[g], i)


@njit(cache=True)
def heap_insert(agents, group, keys, start, size, heap, pos):
    """Add agents (their ``keys`` already set) to their heaps."""
    n = agents.shape[0]
    for j in range(n):
        if j + 8 < n:  # what the insertion of an agent a few places ahead reads
            prefetch(pos, agents[j + 8])
            prefetch(group, agents[j + 8])
            prefetch(keys, agents[j + 8])
        a = agents[j]
        if pos[a] >= 0:
            continue
        g = group[a]
        i = size[g]
        heap[start[g] + i] = a
        pos[a] = start[g] + i
        size[g] += 1
        _sift_up(heap, pos, keys, start[g], i)


@njit(cache=True)
def pop_due(level, keys, start, size, heap, pos, out):
    """Pop agents whose key is at or below their group's ``level`` into ``out``; returns the
    count. Stops when ``out`` is full: call again until the count is below ``out``'s size."""
    n = 0
    capacity = out.shape[0]
    for g in range(start.shape[0]):
        base = start[g]
        while n < capacity and size[g] > 0 and keys[heap[base]] <= level[g]:
            a = heap[base]
            out[n] = a
            n += 1
            last = base + size[g] - 1
            size[g] -= 1
            pos[a] = -1
            if size[g] > 0:
                moved = heap[last]
                heap[base] = moved
                pos[moved] = base
                _sift_down(heap, pos, keys, base, size[g], 0)
    return n


@njit(cache=True, inline="always")
def _parent_slot(agent, group, start, pos):
    """Absolute slot of the parent of ``agent``'s slot, -1 when he is at a root or in no heap."""
    slot = pos[agent]
    if slot < 0:
        return -1
    base = start[group[agent]]
    i = slot - base
    return base + ((i - 1) >> 1) if i > 0 else -1


@njit(cache=True)
def raise_hazard(agents, factor, group, level, keys, start, heap, pos):
    """Multiply the hazard of agents in heaps by ``factor`` (≥ 1): keys move towards ``level``.

    Agents are taken one after another as before; what the sift-up of an agent a few places
    ahead will read (his slot, key and group, then his parent's slot, then the parent's key and
    slot) is prefetched in three stages, so those random reads into the 40 M-man heap overlap.
    """
    n = agents.shape[0]
    for j in range(n):
        if j + 16 < n:
            b = agents[j + 16]
            prefetch(pos, b)
            prefetch(keys, b)
            prefetch(group, b)
        if j + 8 < n:
            parent = _parent_slot(agents[j + 8], group, start, pos)
            if parent >= 0:
                prefetch(heap, parent)
        if j + 4 < n:
            parent = _parent_slot(agents[j + 4], group, start, pos)
            if parent >= 0:
                prefetch(keys, heap[parent])
                prefetch(pos, heap[parent])
        a = agents[j]
        slot = pos[a]
        if slot < 0:
            continue
        g = group[a]
        keys[a] = level[g] + (keys[a] - level[g]) / factor
        _sift_up(heap, pos, keys, start[g], slot - start[g])
