"""Numba kernels for the hot loops, each with a plain-numpy twin or a test against one."""
