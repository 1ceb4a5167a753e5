"""Flee compatibility: read a Flee case, run Flee 3.1's rules fast, score it with Flee's ARD.

- :mod:`~exitwave.compat.flee.reader`: Flee input folder, ``simsetting.yml`` and validation
  folder → :class:`FleeWorld`, :class:`FleeSettings`, :class:`Validation` (bad files raise
  :class:`~exitwave.errors.InputError` naming file, line/field and expectation).
- :mod:`~exitwave.compat.flee.rules`: the numba kernels (route tables, one day of movement).
- :mod:`~exitwave.compat.flee.simulate`: the day loop (conflicts, spawning, closures, movement,
  recording, conservation).
- :mod:`~exitwave.compat.flee.metrics`: Flee's averaged relative difference (ARD).

Heavy modules (numba) are imported only by ``simulate`` and ``rules``.
"""

from __future__ import annotations

__all__ = ["FleeSettings", "FleeWorld", "Validation", "read_case", "read_settings", "read_validation",
           "read_world", "run_case", "FleeRun", "ard"]


def __getattr__(name: str) -> object:
    if name in ("FleeSettings", "FleeWorld", "Validation", "read_case", "read_settings",
                "read_validation", "read_world"):
        from exitwave.compat.flee import reader

        return getattr(reader, name)
    if name in ("run_case", "FleeRun"):
        from exitwave.compat.flee import simulate

        return getattr(simulate, name)
    if name == "ard":
        from exitwave.compat.flee.metrics import ard

        return ard
    raise AttributeError(name)
