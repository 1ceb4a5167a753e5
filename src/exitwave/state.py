"""The shared State: the only place modules meet.

Every field has one owner: the run itself (``CORE_FIELDS`` in :mod:`exitwave.modules.protocol`)
or the one module that declares it in ``writes`` and creates it in ``init``. Other modules
declare what they ``read`` and ``update``; the engine checks the declarations before day 0.

Agent columns (one numpy array per property, one row per agent):

==================  ========  ============  ==================================================
column              dtype     owner         meaning
==================  ========  ============  ==================================================
``status``          uint8     run           :class:`Status` of the man today (exactly one)
``due_day``         int32     run           day of his next scheduled event (arrival, decision,
                                            training, recovery …): the owner of his status uses it
``decision_group``  int16     run           (region, route class, reservist): see vocabulary
``route_class``     int16     run           passport × can fly (0..3): see vocabulary
``contacts_abroad`` uint8     information   contacts who have got abroad (saturates at 255)
``key``             float64   decision      trigger level of his leave decision (decision heap)
``depart_day``      int32     decision      day he last decided to leave (-1 never)
``attempts``        uint8     decision      times he set out to leave
``summoned_day``    int32     mobilization  day he was summoned (-1 never)
``crossing``        int16     movement      crossing he is heading for or queueing at (-1 none)
``country``         int16     movement      country he is in or travelling to (-1 at home)
``unit``            int32     force         front unit of a soldier (-1 none)
==================  ========  ============  ==================================================

Static attributes live in :class:`~exitwave.population.Population`, among them the optional
households (``household``: int32, lowest agent id of his household; ``household_adults``: uint8,
adults in it; empty when the run has none; :mod:`exitwave.households`). Every status change goes
through :meth:`State.transition`, which keeps per-status counts, so conservation (every man in
exactly one status every day) is checked cheaply each day and in full at the end. Counters go
through :meth:`State.count`, which refuses a counter that no module of the run declared.

Hand-offs within a day are lists of agent arrays, written by one module and taken (read and
cleared) by the next: ``leaving`` (decision → movement), ``newly_abroad`` (movement →
information), ``entering_country`` (movement → reception), ``turned_home`` (movement →
decision), ``threshold_fired`` (information → decision), ``newly_mobilized`` (the run, on every
transition to MOBILIZED → force).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from exitwave.errors import RunError
from exitwave.population import Population
from exitwave.scenario.schema import Scenario
from exitwave.vocabulary import ABROAD_STATUSES, Status
from exitwave.world import World

if TYPE_CHECKING:
    from exitwave.modules.events import Schedule
    from exitwave.modules.force import FrontState

__all__ = ["Status", "State", "Calendar", "DecisionHeap", "FifoQueues", "ABROAD_STATUSES"]


class Calendar:
    """Agents scheduled for a day, by kind of event. Entries are checked when due, so an
    agent whose plans changed in between is simply skipped (lazy cancellation)."""

    def __init__(self) -> None:
        self._days: dict[int, list[np.ndarray]] = defaultdict(list)

    def add(self, day: int, agents: np.ndarray) -> None:
        if agents.size:
            self._days[int(day)].append(np.asarray(agents, dtype=np.int64))

    def add_many(self, days: np.ndarray, agents: np.ndarray) -> None:
        if not agents.size:
            return
        order = np.argsort(days, kind="stable")
        days, agents = days[order], np.asarray(agents[order], dtype=np.int64)
        # one slice per distinct day (np.split costs several array constructions per chunk)
        cut = (np.flatnonzero(np.diff(days)) + 1).tolist()
        for start, end in zip([0, *cut], [*cut, len(agents)], strict=True):
            self._days[int(days[start])].append(agents[start:end])

    def pop(self, day: int) -> np.ndarray:
        chunks = self._days.pop(int(day), [])
        if not chunks:
            return np.empty(0, dtype=np.int64)
        return np.concatenate(chunks)


class FifoQueues:
    """First-come-first-served queues of agent ids, one per server (crossing, screening desk).

    Each queue is a preallocated int64 buffer with head and tail indices, grown by doubling, so
    joining, serving and leaving cost O(men joining + served + leaving), not O(queue length).
    Every man who joins gets a position: a per-queue number that rises by one per man and never
    changes (:meth:`push` returns them). A man who leaves from inside the queue (:meth:`remove`)
    leaves a hole that serving skips, so the order of the others is kept.
    """

    _HOLE = -1

    def __init__(self, n: int, capacity: int = 16) -> None:
        self._buf = [np.empty(capacity, np.int64) for _ in range(n)]
        self._head = np.zeros(n, np.int64)  # index of the first entry (man or hole)
        self._tail = np.zeros(n, np.int64)  # index past the last entry
        self._base = np.zeros(n, np.int64)  # position of index 0
        self.sizes = np.zeros(n, np.int64)  # men waiting (holes not counted)

    def __len__(self) -> int:
        return len(self._buf)

    def push(self, q: int, agents: np.ndarray) -> np.ndarray:
        """Append ``agents`` to the tail of queue ``q``; returns their positions."""
        k = agents.size
        head, tail, buf = int(self._head[q]), int(self._tail[q]), self._buf[q]
        if tail + k > buf.size:
            used = tail - head
            if 2 * (used + k) > buf.size:
                grown = np.empty(max(2 * buf.size, 2 * (used + k)), np.int64)
            else:
                grown = buf  # enough room once the served part at the front is dropped
            grown[:used] = buf[head:tail]
            self._buf[q] = buf = grown
            self._base[q] += head
            head, tail = 0, used
            self._head[q] = 0
        buf[tail: tail + k] = agents
        self._tail[q] = tail + k
        self.sizes[q] += k
        return self._base[q] + np.arange(tail, tail + k, dtype=np.int64)

    def pop(self, q: int, n: int) -> np.ndarray:
        """Remove and return the first ``n`` men of queue ``q`` (n ≤ its size), in order."""
        if n <= 0:
            return np.empty(0, np.int64)
        buf, i = self._buf[q], int(self._head[q])
        parts: list[np.ndarray] = []
        need = n
        while need > 0:
            chunk = buf[i: i + need]
            i += chunk.size
            men = chunk[chunk != self._HOLE]
            parts.append(men)
            need -= men.size
        self.sizes[q] -= n
        self._head[q] = i
        if self.sizes[q] == 0:
            self._reset(q)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def clear(self, q: int) -> np.ndarray:
        """Remove and return everyone in queue ``q``, in order."""
        return self.pop(q, int(self.sizes[q]))

    def remove(self, q: int, positions: np.ndarray) -> np.ndarray:
        """Remove the men at ``positions`` (increasing) who are still in queue ``q``, in queue
        order; positions already served, cleared or removed are skipped."""
        index = positions - self._base[q]
        index = index[index >= self._head[q]]
        buf = self._buf[q]
        men = buf[index]
        keep = men != self._HOLE
        index, men = index[keep], men[keep]
        buf[index] = self._HOLE
        self.sizes[q] -= men.size
        if self.sizes[q] == 0:
            self._reset(q)
        return men

    def _reset(self, q: int) -> None:
        """An empty queue starts again at the front of its buffer; positions keep rising."""
        self._base[q] += self._tail[q]
        self._head[q] = self._tail[q] = 0


@dataclass
class DecisionHeap:
    """Heaps of trigger levels, one per decision group (see :mod:`exitwave.kernels.heap`)."""

    start: np.ndarray  # int64 [group]: first slot
    size: np.ndarray  # int64 [group]: men in the heap
    slots: np.ndarray  # int32 [n]: agent ids, heap-ordered per group
    pos: np.ndarray  # int32 [n]: slot of each agent, -1 when not in a heap
    level: np.ndarray  # float64 [group]: cumulative hazard of the group so far

    @classmethod
    def allocate(cls, group: np.ndarray, n_groups: int) -> DecisionHeap:
        """Empty heaps sized for every man of each group (filled by the decision module)."""
        if group.size < 1_000_000:
            capacity = np.bincount(group, minlength=n_groups).astype(np.int64)
        else:  # a numba count: np.bincount first copies a 40 M column to intp
            from exitwave.kernels.heap import group_sizes

            capacity = group_sizes(group, n_groups)
        start = np.concatenate([[0], np.cumsum(capacity)[:-1]]).astype(np.int64)
        return cls(start=start, size=np.zeros(n_groups, np.int64),
                   slots=np.empty(group.size, np.int32), pos=np.full(group.size, -1, np.int32),
                   level=np.zeros(n_groups))



class UnregisteredOutput(RunError, KeyError):
    """A module counted or reported an output it did not declare (a defect of that module)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass
class State:
    """Everything a run knows on a day. Modules read and write only through this object.

    Fields are grouped by owner (comments); the owner creates them in its ``init``, so a field
    of a module that is not in the run keeps its empty default.
    """

    # --- the run (CORE_FIELDS) ---
    scenario: Scenario
    world: World
    pop: Population
    seed: int
    n_days: int
    status: np.ndarray
    due_day: np.ndarray
    decision_group: np.ndarray  # int16, see exitwave.vocabulary.decision_group_of
    route_class: np.ndarray  # int16, see exitwave.vocabulary.route_class_of
    schedule: Schedule  # the scenario's dated events compiled into day-indexed tables
    status_counts: np.ndarray = field(default_factory=lambda: np.zeros(len(Status), np.int64))
    counters: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # agents, cumulative
    newly_mobilized: list[np.ndarray] = field(default_factory=list)  # entered MOBILIZED today
    counter_names: frozenset[str] | None = None  # registered counters (None: not checked)
    # --- information ---
    contacts_abroad: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    threshold_fired: list[np.ndarray] = field(default_factory=list)  # threshold reached today
    # --- decision ---
    key: np.ndarray = field(default_factory=lambda: np.zeros(0))
    heap: DecisionHeap = field(default_factory=lambda: DecisionHeap.allocate(np.zeros(0, np.int16), 0))
    depart_day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    attempts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    leaving: list[np.ndarray] = field(default_factory=list)  # decided to leave today
    # --- mobilization ---
    summoned_day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    summoned: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # SUMMONED (lazily filtered)
    hiding: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # HIDING (lazily filtered)
    # --- movement ---
    crossing: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    country: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    queues: FifoQueues = field(default_factory=lambda: FifoQueues(0))  # per crossing
    access: np.ndarray = field(default_factory=lambda: np.zeros(0))  # [region, class] 0..
    crossed: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per crossing, cumulative
    crossed_today: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per crossing
    departed_by_region: np.ndarray = field(default_factory=lambda: np.zeros(0))  # cumulative
    newly_abroad: list[np.ndarray] = field(default_factory=list)  # crossed out today
    entering_country: list[np.ndarray] = field(default_factory=list)  # arrive in a country today
    turned_home: list[np.ndarray] = field(default_factory=list)  # back home, may decide again
    # --- reception ---
    screening_queues: FifoQueues = field(default_factory=lambda: FifoQueues(0))  # per country
    stock: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per country, now
    relocated: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per country, cumulative
    # --- force ---
    unit: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    front: FrontState | None = None  # when the scenario has a front
    # --- termination ---
    war_end_day: int | None = None
    war_end_thresholds: dict[str, float] = field(default_factory=dict)  # drawn once per run
    # --- fields added by modules outside the default list (State.add_field) ---
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.pop.n

    def transition(self, agents: np.ndarray, to: Status) -> None:
        """Move agents to status ``to``, keeping the per-status counts exact."""
        if agents.size == 0:
            return
        self.status_counts -= np.bincount(self.status[agents], minlength=len(Status))
        self.status[agents] = to
        self.status_counts[to] += agents.size
        if to == Status.MOBILIZED:
            self.newly_mobilized.append(agents.astype(np.int64, copy=True))

    def count(self, name: str, agents: float) -> None:
        """Add ``agents`` to the cumulative counter ``name`` (a registered counter output)."""
        if self.counter_names is not None and name not in self.counter_names:
            raise UnregisteredOutput(f"counter {name!r} is not registered: declare it as an "
                                     "Output(kind='counter') in the module that counts it "
                                     "(docs/architecture.md, 'Outputs')")
        self.counters[name] += agents

    def add_field(self, name: str, value: Any) -> None:
        """Create a field that a module outside the default list owns (``state.extra[name]``)."""
        if name in self.extra or name in self.__dataclass_fields__:
            raise ValueError(f"State field {name!r} exists already: each field has one owner")
        self.extra[name] = value

    @staticmethod
    def take(parts: list[np.ndarray]) -> np.ndarray:
        """Concatenate and clear a hand-off list."""
        if not parts:
            return np.empty(0, dtype=np.int64)
        out = np.concatenate(parts) if len(parts) > 1 else parts[0]
        parts.clear()
        return out.astype(np.int64, copy=False)
