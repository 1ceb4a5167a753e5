"""exitwave.arrays against numpy."""

import numpy as np
import pytest

from exitwave.arrays import unique


@pytest.mark.parametrize("size", [0, 1, 2, 7, 1000])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.uint8])
def test_unique_is_numpys(size, dtype):
    values = np.random.default_rng(size).integers(0, 40, size).astype(dtype)
    got = unique(values)
    assert got.dtype == np.unique(values).dtype
    assert np.array_equal(got, np.unique(values))
    assert np.array_equal(unique(values.reshape(-1, 1)), np.unique(values))
