"""The weighted draws without replacement (recruits, summonses) against the plain formula."""

import numpy as np
import pytest

from exitwave.kernels.heap import group_sizes, heap_build, heap_build_all
from exitwave.kernels.selection import draw_order, selection_keys
from exitwave.random import stream_key, uniform


def _men(n, seed):
    rng = np.random.default_rng(seed)
    return dict(status=rng.integers(0, 3, n).astype(np.uint8), age=rng.integers(16, 70, n).astype(np.uint8),
                reservist=rng.random(n) < 0.3, means=rng.random(n).astype(np.float32),
                region=rng.integers(0, 7, n).astype(np.int16), region_weight=rng.random(7) * 3.0)


def _plain(wanted, key, men, status_ok, means_weight, region_power, fresh=None):
    """The formula man by man in numpy, then the smallest keys (argpartition, stable sort)."""
    i = np.arange(men["status"].size)
    ok = status_ok[men["status"]] & (men["age"] >= 18) & (men["age"] <= 50)
    if fresh is not None:
        ok &= fresh
    weight = np.exp(means_weight * (1.0 - men["means"].astype(np.float64)))
    if region_power != 0.0:
        weight = weight * men["region_weight"][men["region"]] ** region_power
    keys = -np.log1p(-uniform(1, 26, 0, i)) / np.maximum(weight, 1e-12)
    i, keys = i[ok], keys[ok]
    if wanted < i.size:
        pick = np.argpartition(keys, wanted)[:wanted]
        i, keys = i[pick], keys[pick]
    return i[np.argsort(keys, kind="stable")]


@pytest.mark.parametrize(("n", "wanted", "means_weight", "region_power", "with_fresh"), [
    (300_000, 2_000, 1.5, 1.0, False),  # few wanted: the cut-off pass
    (300_000, 2_000, 0.0, 0.0, True),
    (300_000, 90_000, 0.0, 1.0, True),  # many wanted: the full pass
    (5_000, 100, 2.0, 0.5, False),  # small population: the full pass
    (300_000, 10**9, 1.0, 1.0, False),  # more wanted than there are
])
def test_draw_order_is_the_smallest_keys_in_order(n, wanted, means_weight, region_power, with_fresh):
    men = _men(n, n + wanted)
    status_ok = np.array([True, False, True])
    key = np.uint64(stream_key(1, 26, 0))
    extra = ()
    fresh = None
    if with_fresh:
        rng = np.random.default_rng(7)
        summoned_day = np.where(rng.random(n) < 0.2, 3, -1).astype(np.int32)
        exempt = rng.random(n) < 0.1
        fresh = (summoned_day < 0) & ~exempt
        extra = (summoned_day, exempt)
    got = draw_order(wanted, key, men["status"], status_ok, men["age"], 18, 50, men["reservist"], False,
                     men["means"], means_weight, men["region"], men["region_weight"], region_power, *extra)
    expected = _plain(wanted, key, men, status_ok, means_weight, region_power, fresh)
    assert np.array_equal(got, expected)
    everyone, keys = selection_keys(key, men["status"], status_ok, men["age"], 18, 50, men["reservist"], False,
                                    men["means"], means_weight, men["region"], men["region_weight"],
                                    region_power, *extra)
    assert np.array_equal(np.sort(everyone), np.sort(_plain(10**9, key, men, status_ok, means_weight,
                                                              region_power, fresh)))
    assert np.all(np.diff(everyone) > 0)  # in index order


def test_draw_order_with_equal_keys_keeps_the_stable_order():
    """A draw where many keys tie (the men of region 0 weigh infinitely much: key 0) comes out as
    the full pass orders it: the cut-off pass gives way when keys tie."""
    n = 200_000
    men = _men(n, 3)
    men["region_weight"][0] = 1e300  # ** 2: inf
    status_ok = np.array([True, True, True])
    key = np.uint64(stream_key(2, 26, 0))
    got = draw_order(500, key, men["status"], status_ok, men["age"], 18, 50, men["reservist"], False,
                     men["means"], 0.0, men["region"], men["region_weight"], 2.0)
    everyone, keys = selection_keys(key, men["status"], status_ok, men["age"], 18, 50, men["reservist"], False,
                                    men["means"], 0.0, men["region"], men["region_weight"], 2.0)
    assert np.sum(keys == 0.0) > 500  # ties among the men wanted
    pick = np.argpartition(keys, 500)[:500]
    assert np.array_equal(got, everyone[pick][np.argsort(keys[pick], kind="stable")])


def test_heap_build_all_is_heap_build_of_everyone():
    rng = np.random.default_rng(5)
    group = rng.integers(0, 9, 50_000).astype(np.int16)
    keys = rng.exponential(size=group.size)
    keys[::7] = 1.0  # ties
    capacity = group_sizes(group, 9)
    assert np.array_equal(capacity, np.bincount(group, minlength=9))
    start = np.concatenate([[0], np.cumsum(capacity)[:-1]]).astype(np.int64)
    built = []
    for build in (lambda *a: heap_build(np.arange(group.size, dtype=np.int64), *a), heap_build_all):
        size, slots, pos = np.zeros(9, np.int64), np.empty(group.size, np.int32), np.full(group.size, -1, np.int32)
        build(group, keys, start, size, slots, pos)
        built.append((size, slots, pos))
        assert np.array_equal(slots[pos], np.arange(group.size))
        for g in range(9):  # the heap property in every group
            heap = keys[slots[start[g]: start[g] + size[g]]]
            child = np.arange(1, heap.size)
            assert np.all(heap[(child - 1) // 2] <= heap[child])
    assert all(np.array_equal(a, b) for a, b in zip(built[0], built[1], strict=True))
    with pytest.raises(ValueError):
        group_sizes(group, 8)
