"""Exposure updates driven by events: a man abroad informs his contacts, nobody rescans edges."""

from __future__ import annotations

import numpy as np
from numba import njit

from exitwave.arrays import unique
from exitwave.kernels.prefetch import prefetch

__all__ = ["notify_contacts", "threshold_cascade"]


@njit(cache=True)
def notify_contacts(offsets, neighbours, contacts_abroad, threshold, degree, status, eligible_status,
                    fired, saturate=255):
    """Count one more contact abroad for every tie in a CSR batch of men who got abroad.

    ``contacts_abroad`` is incremented once per tie, saturating at ``saturate`` (255 for the
    engine's uint8 column; contact lists are at most 64 long). Men whose ``status``
    equals ``eligible_status`` and whose share of contacts abroad reaches their ``threshold``
    with this tie are written to ``fired`` (each at most once). Returns (number fired, the
    touched men, one entry per tie).
    """
    n_fired = 0
    n = neighbours.shape[0]
    touched = np.empty(n, dtype=np.int64)
    for e in range(n):
        if e + 16 < n:  # the columns of a man a few ties ahead (random reads; see kernels.prefetch)
            ahead = neighbours[e + 16]
            prefetch(contacts_abroad, ahead)
            prefetch(status, ahead)
            prefetch(threshold, ahead)
        i = neighbours[e]
        before = contacts_abroad[i]
        if before < saturate:
            contacts_abroad[i] = before + 1
        touched[e] = i
        if status[i] == eligible_status and before < threshold[i] * degree[i] <= before + 1:
            fired[n_fired] = i
            n_fired += 1
    return n_fired, touched


def threshold_cascade(offsets: np.ndarray, neighbours: np.ndarray, threshold: np.ndarray,
                      seeds: np.ndarray) -> np.ndarray:
    """Granovetter/Watts threshold cascade on a CSR graph, through :func:`notify_contacts`.

    Round by round, the newly active notify their neighbours; an inactive node activates when
    the share of its active neighbours reaches its threshold. Returns the final active mask.
    Used by the analytic tests of the contagion mechanism the engine runs.
    """
    n = offsets.shape[0] - 1
    degree = np.diff(offsets)
    status = np.zeros(n, dtype=np.uint8)  # 0 inactive, 1 active
    counts = np.zeros(n, dtype=np.uint32)
    fired = np.empty(neighbours.shape[0] + 1, dtype=np.int64)
    batch = unique(np.asarray(seeds, dtype=np.int64))
    while batch.size:
        status[batch] = 1
        starts, ends = offsets[batch], offsets[batch + 1]
        lengths = ends - starts
        sub_offsets = np.concatenate([[0], np.cumsum(lengths)])
        take = np.repeat(starts - sub_offsets[:-1], lengths) + np.arange(sub_offsets[-1])
        n_fired, _ = notify_contacts(sub_offsets, neighbours[take], counts,
                                     threshold.astype(np.float32), degree, status, 0, fired,
                                     2**32 - 1)
        batch = unique(fired[:n_fired])
    return status.astype(bool)
