"""Small array helpers for the daily steps."""

from __future__ import annotations

import numpy as np

__all__ = ["unique"]


def unique(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``values`` (flattened): ``np.unique(values)``, by a sort.

    numpy's own ``unique`` of integers (2.3 and later) goes through a hash table that costs
    about a millisecond even for a few hundred values, and far more than a sort for large arrays;
    the steps call it every day.
    """
    ordered = np.sort(np.asarray(values).ravel())
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, np.bool_)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
