"""Compatibility with other simulators' input formats and rules.

``exitwave.compat.flee`` reads Flee's input folders (locations, routes, closures, conflicts,
period, registration corrections), its ``simsetting.yml`` and its validation folders, and runs
Flee 3.1's published spawning and movement rules as numba kernels over struct-of-arrays agents.
"""
