"""The shared vocabulary of the model: codes every module speaks, defined once.

Modules never import each other; what they must agree on lives here:

* :class:`Status` — the status of a man (exactly one per man per day) and groups of statuses;
* route classes — passport × can afford to fly, the four ways a man can travel;
* decision groups — (region, route class, reservist), the groups that share a leave hazard;
* codes of the entry regimes and asylum policies in the compiled schedule, and of travel modes.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

__all__ = [
    "Status", "ABROAD_STATUSES", "RECRUIT_STATUSES",
    "N_ROUTE_CLASSES", "CLASS_HAS_PASSPORT", "CLASS_CAN_FLY", "route_class_of",
    "GROUPS_PER_REGION", "decision_group_of", "group_region", "group_route_class", "group_reservist",
    "MODES", "AIR", "ROAD", "ENTRY_REGIMES", "OPEN", "VISA", "CLOSED",
    "ASYLUM_POLICIES", "REFUSE", "CASE_BY_CASE", "GRANT",
]


class Status(IntEnum):
    """What a man is doing today. MOBILIZED means mobilized or recruited and in training."""

    AT_HOME = 0
    SUMMONED = 1
    HIDING = 2
    MOBILIZED = 3
    TRAVELLING = 4
    QUEUED = 5
    ABROAD = 6
    SCREENING = 7
    ASYLUM_PENDING = 8
    PROTECTED = 9
    RETURNED = 10
    SOLDIER = 11
    WOUNDED = 12
    KILLED = 13
    DESERTED = 14
    SURRENDERED = 15
    DISCHARGED = 16


#: Men in a country abroad (the stock abroad counts exactly these).
ABROAD_STATUSES = (Status.ABROAD, Status.SCREENING, Status.ASYLUM_PENDING, Status.PROTECTED)
#: Men the army took (mobilized or recruited), whatever became of them since.
RECRUIT_STATUSES = (Status.MOBILIZED, Status.SOLDIER, Status.WOUNDED, Status.KILLED, Status.DESERTED,
                    Status.SURRENDERED, Status.DISCHARGED)

# --- route classes: passport × can afford to fly --------------------------------------------
N_ROUTE_CLASSES = 4
CLASS_HAS_PASSPORT = np.array([False, False, True, True])  # [route class]
CLASS_CAN_FLY = np.array([False, True, False, True])  # [route class]


def route_class_of(passport: np.ndarray, can_fly: np.ndarray) -> np.ndarray:
    """Route class (int16, 0..3) of men with an international passport or not, able to fly or not."""
    return (np.asarray(passport).astype(np.int16) * 2 + np.asarray(can_fly)).astype(np.int16)


# --- decision groups: (region, route class, reservist) ---------------------------------------
GROUPS_PER_REGION = N_ROUTE_CLASSES * 2


def decision_group_of(region: np.ndarray, route_class: np.ndarray, reservist: np.ndarray) -> np.ndarray:
    """Decision group (int16) = (region · 4 + route class) · 2 + reservist."""
    return (np.asarray(region).astype(np.int32) * GROUPS_PER_REGION + np.asarray(route_class) * 2
            + np.asarray(reservist)).astype(np.int16)


def group_region(group: np.ndarray) -> np.ndarray:
    return np.asarray(group) // GROUPS_PER_REGION


def group_route_class(group: np.ndarray) -> np.ndarray:
    return (np.asarray(group) // 2) % N_ROUTE_CLASSES


def group_reservist(group: np.ndarray) -> np.ndarray:
    return np.asarray(group) % 2


# --- codes in the world tables and the compiled schedule --------------------------------------
MODES = ("road", "rail", "foot", "air", "sea")  # crossing modes (world crossings.csv)
AIR = MODES.index("air")
ROAD = MODES.index("road")
ENTRY_REGIMES = ("open", "visa", "closed")  # a country's entry regime of the day
OPEN, VISA, CLOSED = range(3)
ASYLUM_POLICIES = ("refuse", "case_by_case", "grant")  # a country's asylum policy of the day
REFUSE, CASE_BY_CASE, GRANT = range(3)
