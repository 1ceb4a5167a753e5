"""FifoQueues: the ring-buffer queues of crossings and screening desks."""

from __future__ import annotations

import numpy as np

from exitwave.state import FifoQueues


def test_fifo_queues_match_a_list_model() -> None:
    rng = np.random.default_rng(0)
    queues = FifoQueues(3, capacity=2)
    model: list[list[tuple[int, int]]] = [[], [], []]  # (agent, position)
    issued: list[list[int]] = [[], [], []]  # every position handed out, served or gone included
    next_agent = 0
    for _ in range(2000):
        q = int(rng.integers(3))
        action = rng.integers(4)
        if action <= 1:
            k = int(rng.integers(0, 6))
            agents = np.arange(next_agent, next_agent + k, dtype=np.int64)
            next_agent += k
            positions = queues.push(q, agents)
            model[q] += list(zip(agents.tolist(), positions.tolist(), strict=True))
            issued[q] += positions.tolist()
        elif action == 2:
            n = int(rng.integers(0, len(model[q]) + 1))
            got = queues.pop(q, n)
            assert got.tolist() == [a for a, _ in model[q][:n]]
            model[q] = model[q][n:]
        else:
            chosen = np.array([p for p in issued[q] if rng.random() < 0.2], np.int64)
            got = queues.remove(q, chosen)
            gone = set(chosen.tolist())
            assert got.tolist() == [a for a, p in model[q] if p in gone]
            model[q] = [(a, p) for a, p in model[q] if p not in gone]
        assert queues.sizes.tolist() == [len(m) for m in model]
    for q in range(3):
        assert queues.clear(q).tolist() == [a for a, _ in model[q]]
    assert queues.sizes.sum() == 0
