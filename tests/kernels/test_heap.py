"""The decision heaps against a plain sorted-list twin."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from exitwave.kernels.heap import heap_build, heap_insert, heap_remove, pop_due, raise_hazard


def _heaps(group, keys):
    n_groups = int(group.max()) + 1
    capacity = np.bincount(group, minlength=n_groups)
    start = np.concatenate([[0], np.cumsum(capacity)[:-1]]).astype(np.int64)
    size = np.zeros(n_groups, np.int64)
    slots = np.empty(group.size, np.int32)
    pos = np.full(group.size, -1, np.int32)
    return start, size, slots, pos


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 300), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_heap_pops_exactly_the_due_agents(n, n_groups, seed):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, n_groups, n).astype(np.int16)
    group[:n_groups] = np.arange(n_groups)[: min(n, n_groups)]
    keys = rng.exponential(size=n)
    start, size, slots, pos = _heaps(group, keys)
    members = np.arange(n, dtype=np.int64)
    heap_build(members, group, keys, start, size, slots, pos)
    alive = np.ones(n, bool)
    # remove a few, raise some hazards, re-insert one
    gone = rng.choice(n, size=n // 5, replace=False).astype(np.int64)
    heap_remove(gone, group, keys, start, size, slots, pos)
    alive[gone] = False
    level = np.zeros(int(group.max()) + 1)
    raised = rng.choice(n, size=n // 4, replace=False).astype(np.int64)
    raise_hazard(raised, 2.5, group, level, keys, start, slots, pos)
    expected_keys = keys.copy()
    back = gone[: max(1, gone.size // 2)] if gone.size else np.empty(0, np.int64)
    keys[back] = rng.exponential(size=back.size)
    heap_insert(back, group, keys, start, size, slots, pos)
    alive[back] = True
    expected_keys[back] = keys[back]
    for day_level in (0.3, 0.8, 2.0, 50.0):
        level[:] = day_level
        out = np.empty(n, np.int64)
        popped = np.sort(out[: pop_due(level, keys, start, size, slots, pos, out)])
        due = np.sort(np.flatnonzero(alive & (expected_keys <= day_level)))
        assert np.array_equal(popped, due)
        alive[popped] = False
    assert size.sum() == alive.sum() == 0


def test_raise_hazard_moves_trigger_towards_current_level():
    group = np.zeros(3, np.int16)
    keys = np.array([10.0, 4.0, 7.0])
    start, size, slots, pos = _heaps(group, keys)
    heap_build(np.arange(3, dtype=np.int64), group, keys, start, size, slots, pos)
    level = np.array([2.0])
    raise_hazard(np.array([0], np.int64), 4.0, group, level, keys, start, slots, pos)
    # remaining resistance (10 - 2) shrinks fourfold: 2 + 8 / 4 = 4
    assert keys[0] == 4.0
    out = np.empty(3, np.int64)
    level[:] = 4.0
    assert sorted(out[: pop_due(level, keys, start, size, slots, pos, out)]) == [0, 1]


def test_pop_due_never_writes_past_its_output_and_resumes():
    group = np.zeros(50, np.int16)
    keys = np.linspace(0.0, 1.0, 50)
    start, size, slots, pos = _heaps(group, keys)
    heap_build(np.arange(50, dtype=np.int64), group, keys, start, size, slots, pos)
    level = np.array([2.0])
    out = np.full(8, -7, np.int64)
    popped = []
    while True:
        n = pop_due(level, keys, start, size, slots, pos, out)
        popped += out[:n].tolist()
        if n < out.size:
            break
    assert sorted(popped) == list(range(50))
