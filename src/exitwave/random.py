"""Counter-based random streams.

Every random number in exitwave is a pure function of ``(seed, stream, day, agent)``: a
splitmix64 hash of the counter. Results therefore do not depend on the number of threads or
on the order in which agents are visited, and two scenarios run with the same seed share their
random numbers (common random numbers): the difference between them is the policy's effect,
not noise.

The hash is numba scalar code (``uniform_at``), called inside kernels and, over arrays of agents,
by :func:`uniform`, :func:`exponential` and :func:`normal` (serial for small arrays, parallel for
large ones: the same bits). ``tests/test_random.py`` checks them against the scalar.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numba import njit, prange

__all__ = ["Stream", "FIRST_USER_STREAM", "key_for", "stream_key", "uniform", "uniform_at", "normal", "exponential"]

#: Streams below this number are exitwave's own; a module added to a run draws from its own
#: streams at or above it, so adding it never changes the draws of the built-in mechanisms.
FIRST_USER_STREAM = 1000

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


class Stream(IntEnum):
    """Named random streams: one per kind of decision, so decisions never share draws."""

    REGION = 1
    AGE = 2
    RESERVIST = 3
    MEANS = 4
    PASSPORT = 5
    THRESHOLD = 6
    HOSTILE = 7
    NETWORK = 8
    RESISTANCE = 9
    SUMMONS = 10
    SUMMONED_CHOICE = 11
    ENFORCEMENT = 12
    ROUTE = 13
    QUEUE_ORDER = 14
    PATIENCE = 15
    SWITCH = 16
    VISA = 17
    DRAFT_OFFICE = 18
    SCREENING = 19
    RELOCATION = 20
    ASYLUM = 21
    ABROAD_EVENT = 22
    ONWARD_CHOICE = 23
    APPLY = 24
    AGE_IN_BAND = 25
    RECRUIT = 26
    CASUALTY = 27
    DESERTION = 28
    SURRENDER = 29
    RECOVERY = 30
    HOTLINE = 31
    WAR_END = 32
    INITIAL_FORCE = 33
    KILLED_SHARE = 34  # the front: killed among a unit's casualties
    HOTLINE_CONVERSION = 35  # the front: surrenders among a unit's hotline contacts
    FRONT_ROUNDING = 36  # the front: offsets of the agent accounting of men-level counts
    FRONT_PICK = 37  # the front: which agents of a unit carry its day's men-level outcomes
    FRONT_SHOCK = 38  # the front: men of a sector who exit at once in a dated shock
    OVERRUN = 39  # the front: which units are overrun on a day
    FRONT_RETURN = 40  # the front: deserters who take an amnesty, prisoners exchanged
    EXCHANGE_DUTY = 41  # the front: exchanged prisoners who go back to the front
    CASCADE = 42  # information: whether a contact's arrival abroad persuades a man, and when he goes
    FRONT_PICK_OUTCOME = 44  # the front: which outcome each agent drawn to carry a unit's outcomes carries
    HOUSEHOLD = 43  # population: the order in which a region's agents are cut into households
    STAY_LIMIT = 45  # reception: a man at the end of his allowed stay: permit, visa run, home or onward


@njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def stream_key(seed: int, stream: int, day: int) -> np.uint64:
    """The 64-bit key of one (seed, stream, day); agents index into it."""
    z = _mix(np.uint64(seed) * _GOLDEN + np.uint64(0x632BE59BD9B4E019))
    z = _mix(z ^ (np.uint64(stream) * _M1))
    return _mix(z ^ (np.uint64(day + 1_000_003) * _M2))


def key_for(seed: int, stream: int, day: int) -> np.uint64:
    """:func:`stream_key` called from Python, as the kernels take it (``np.uint64``). The stream
    goes in as a plain int: numba types an ``IntEnum`` member by walking its class, about half a
    millisecond a call, several calls a simulated day."""
    return np.uint64(stream_key(seed, int(stream), day))


@njit(cache=True, inline="always")
def uniform_at(key: np.uint64, agent: int) -> float:
    """Uniform in [0, 1) for one agent under a stream key (numba scalar twin)."""
    z = _mix(np.uint64(key) + (np.uint64(agent) + np.uint64(1)) * _GOLDEN)
    return float(z >> _S11) * _TO_UNIT


@njit(cache=True, parallel=True)
def _uniform_many(key: np.uint64, agents: np.ndarray, out: np.ndarray) -> None:
    for i in prange(agents.shape[0]):
        out[i] = uniform_at(key, agents[i])


@njit(cache=True)
def _uniform_few(key: np.uint64, agents: np.ndarray, out: np.ndarray) -> None:
    for i in range(agents.shape[0]):
        out[i] = uniform_at(key, agents[i])


_PARALLEL_FROM = 200_000  # below this, a thread launch costs more than the draws


def uniform(seed: int, stream: int, day: int, agents: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1) for many agents: the numba scalar :func:`uniform_at` in one pass, in
    parallel for large arrays (integer arithmetic, so bit-identical either way). One pass makes no
    array temporaries: from a few dozen agents up it is several times quicker than the same
    hash as a chain of numpy operations, and no slower below."""
    agents = np.ascontiguousarray(agents, dtype=np.int64)
    out = np.empty(agents.size, dtype=np.float64)
    kernel = _uniform_many if agents.size >= _PARALLEL_FROM else _uniform_few
    kernel(key_for(seed, stream, day), agents.ravel(), out)
    return out.reshape(agents.shape)


@njit(cache=True, inline="always")
def _exponential_at(key: np.uint64, agent: int) -> float:
    return -np.log1p(-uniform_at(key, agent))


@njit(cache=True, inline="always")
def _normal_at(key1: np.uint64, key2: np.uint64, agent: int) -> float:
    u1 = uniform_at(key1, agent)
    u2 = uniform_at(key2, agent)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True, parallel=True)
def _exponential_many(key: np.uint64, agents: np.ndarray, out: np.ndarray) -> None:
    for i in prange(agents.shape[0]):
        out[i] = _exponential_at(key, agents[i])


@njit(cache=True)
def _exponential_few(key: np.uint64, agents: np.ndarray, out: np.ndarray) -> None:
    for i in range(agents.shape[0]):
        out[i] = _exponential_at(key, agents[i])


@njit(cache=True, parallel=True)
def _normal_many(key1: np.uint64, key2: np.uint64, agents: np.ndarray, out: np.ndarray) -> None:
    for i in prange(agents.shape[0]):
        out[i] = _normal_at(key1, key2, agents[i])


@njit(cache=True)
def _normal_few(key1: np.uint64, key2: np.uint64, agents: np.ndarray, out: np.ndarray) -> None:
    for i in range(agents.shape[0]):
        out[i] = _normal_at(key1, key2, agents[i])


def exponential(seed: int, stream: int, day: int, agents: np.ndarray) -> np.ndarray:
    """Standard exponential draws (mean 1): one numba kernel, in parallel for large arrays (a
    thread launch costs more than a few thousand draws; the same scalar code, so bit-identical)."""
    agents = np.ascontiguousarray(agents, dtype=np.int64)
    out = np.empty(agents.size, dtype=np.float64)
    kernel = _exponential_many if agents.size >= _PARALLEL_FROM else _exponential_few
    kernel(key_for(seed, stream, day), agents.ravel(), out)
    return out.reshape(agents.shape)


def normal(seed: int, stream: int, day: int, agents: np.ndarray) -> np.ndarray:
    """Standard normal draws (Box–Muller on two sub-streams), one numba kernel (parallel for
    large arrays, as :func:`exponential`)."""
    agents = np.ascontiguousarray(agents, dtype=np.int64)
    out = np.empty(agents.size, dtype=np.float64)
    kernel = _normal_many if agents.size >= _PARALLEL_FROM else _normal_few
    kernel(key_for(seed, stream, day),
           key_for(seed, stream, day + 7_919_713), agents.ravel(), out)
    return out.reshape(agents.shape)
