"""Pydantic models of a scenario file.

Every model forbids unknown keys, so a typo is an error, not a silently ignored setting.
Rates carry their unit in the file (``"0.3 per month"``) and are stored per day.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = [
    "Scenario",
    "CALLUP_FIELDS",
    "WAVE_FIELDS",
    "FRONT_FIELDS",
    "TimeSpan",
    "PopulationSpec",
    "Wave",
    "Mobilization",
    "Behaviour",
    "Policy",
    "DraftOffice",
    "ExitClosure",
    "Countermeasures",
    "NewsShock",
    "Rate",
    "Front",
    "FrontPhase",
    "FrontShock",
    "CasualtyRates",
    "WarEnd",
    "COUNTRY_GROUPS",
    "NAME_MAX",
    "check_name",
    "safe_name",
]

_DAYS_PER = {"day": 1.0, "week": 7.0, "month": 365.25 / 12.0, "year": 365.25}
_RATE = re.compile(r"^\s*([0-9.eE+-]+)\s*(?:/|per)\s*(day|week|month|year)s?\s*$")


def _parse_rate(value: object) -> float:
    """``"0.3 per month"`` or ``{value: 0.3, per: month}`` → events per day."""
    if isinstance(value, dict) and set(value) == {"value", "per"} and not isinstance(value["value"], bool):
        value = f"{value['value']} per {value['per']}"
    if isinstance(value, str) and len(value) <= 100:
        match = _RATE.match(value)
        if match:
            try:
                number = float(match.group(1))
            except ValueError:
                raise ValueError(f"expected a number before the unit, such as '0.01 per day', got {value!r}") from None
            unit = match.group(2)
            if not math.isfinite(number):
                raise ValueError(f"expected a finite rate, such as '0.01 per day', got {value!r}")
            if number < 0:
                raise ValueError("a rate cannot be negative")
            return number / _DAYS_PER[unit]
    raise ValueError(
        f"expected a rate with its unit, such as '0.01 per day' or '0.3 per month', got {_excerpt(value)}"
    )


Rate = Annotated[float, BeforeValidator(_parse_rate),
                 PlainSerializer(lambda v: f"{v!r} per day", return_type=str, when_used="json")]
"""A rate in events per day, written with its unit in the scenario file (and when saved)."""

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]

COUNTRY_GROUPS = ("EU", "NATO", "SCHENGEN")
"""Names a policy may use instead of one ISO2 code: all members in the world's countries table."""


NAME_MAX = 100
"""Longest scenario name: it starts the name of every run folder."""

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]*")
_NAME_RULE = (f"expected a name of 1 to {NAME_MAX} letters (A-Z, a-z), digits, '-', '_', '.' and ':', "
              "starting with a letter, digit or '_' (it names the run folders)")


def _excerpt(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (a bad value may be long)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(str(value)):,} characters)"


def check_name(value: str) -> str:
    """``value`` if it is a safe scenario name (one path component, no control characters), else
    ValueError: a name becomes a folder name, so ``../x``, ``a/b`` or ``.`` must never pass."""
    if not isinstance(value, str) or len(value) > NAME_MAX or not _NAME.fullmatch(value):
        raise ValueError(f"{_NAME_RULE}; got {_excerpt(value)}")
    return value


def safe_name(text: str, suffix: str = "") -> str:
    """A valid scenario name made from any ``text`` (other characters become ``-``), ending in
    ``suffix`` and cut to fit :data:`NAME_MAX`."""
    body = re.sub(r"[^A-Za-z0-9_.:-]+", "-", text).lstrip(".:-") or "scenario"
    return check_name(body[: NAME_MAX - len(suffix)] + suffix)


def _not_before(later: dt.date | None, earlier: dt.date | None, earlier_name: str) -> dt.date | None:
    """A closing date may not precede its opening date (field validators report it on the field)."""
    if later is not None and earlier is not None and later < earlier:
        raise ValueError(f"expected a date on or after {earlier_name} ({earlier}), got {later}")
    return later


MAX_DAYS = 36_500
"""Longest run (days): about a century; the schedule allocates a row per day before day 0."""


def _numeric(annotation: object) -> bool:
    """Whether a field's type is a number (``int``, ``float``, optional or constrained), and
    not also a boolean: such a field must refuse ``true``, which pydantic would read as 1."""
    if annotation in (int, float):
        return True
    if annotation is bool:
        return False
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _numeric(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members = typing.get_args(annotation)
        return any(_numeric(m) for m in members) and bool not in members
    return False


class _Model(BaseModel):
    # allow_inf_nan=False: NaN and ±inf are refused in every float field (a NaN weight silently
    # stopped all departures)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value: object, info: ValidationInfo) -> object:
        """``true`` is not 1: a boolean is refused in a number field (pydantic's lax mode would
        read it as a number). Rates say so themselves (they expect text with a unit)."""
        if isinstance(value, bool) and info.field_name is not None:
            field = cls.model_fields[info.field_name]
            is_rate = any(getattr(m, "func", None) is _parse_rate for m in field.metadata)
            if _numeric(field.annotation) and not is_rate:
                raise ValueError(f"expected a number, got {str(value).lower()} (true and false are not numbers)")
        return value


class TimeSpan(_Model):
    """Calendar span of a run: one step is one day."""

    start: dt.date
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] | None = None
    end: dt.date | None = None

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("start")
        later = _not_before(end, start, "start")
        if later is not None and start is not None and (later - start).days + 1 > MAX_DAYS:
            raise ValueError(f"expected an end at most {MAX_DAYS:,} days from start ({start}), "
                             f"got {later} ({(later - start).days + 1:,} days)")
        return later

    @model_validator(mode="after")
    def _days_or_end(self) -> TimeSpan:
        if self.end is not None:
            span = (self.end - self.start).days + 1
            if self.days is not None and self.days != span:
                raise ValueError(f"days ({self.days}) disagrees with start..end ({span} days)")
            object.__setattr__(self, "days", span)
        if self.days is None:
            raise ValueError("give either days or end")
        return self

    @property
    def n_days(self) -> int:
        assert self.days is not None
        return self.days

    def day_of(self, date: dt.date) -> int:
        """Day index of a calendar date (0 = start; may be negative or past the end)."""
        return (date - self.start).days


class PopulationSpec(_Model):
    """Who may leave: men of mobilizable age (``sexes: men``, the default) or all adults of the
    ages (``sexes: all``, an exodus without a call-up); each agent stands for ``scale`` people."""

    sexes: Literal["men", "all"] = "men"
    age_min: Annotated[int, Field(ge=14, le=100)] = 18
    age_max: Annotated[int, Field(ge=14, le=100)] = 59
    scale: Annotated[float, Field(ge=1.0)] = 100.0
    reservist_share: Share = 0.0  # russia-2022: 0.65 (its world.yaml scenario_defaults)
    passport_share: Share = 1.0  # russia-2022: 0.30 (its world.yaml scenario_defaults)
    means_spread: NonNegative = 1.0
    contacts_per_person: Annotated[int, Field(ge=2, le=64, multiple_of=2)] = 12
    homophily_region_age: Share = 0.67
    homophily_region: Share = 0.17
    threshold_mean: Share = 0.25
    threshold_sd: NonNegative = 0.12
    hostile_share: Annotated[float, Field(ge=0.0, le=0.01)] = 0.0
    households: Literal["world", "none"] = "world"
    """``world``: households move together where the world declares them (world.yaml
    ``households``); ``none``: every agent decides and travels alone."""

    @model_validator(mode="after")
    def _check(self) -> PopulationSpec:
        if self.age_max < self.age_min:
            raise ValueError(f"age_max ({self.age_max}) is below age_min ({self.age_min})")
        if self.homophily_region_age + self.homophily_region > 1.0:
            raise ValueError("homophily_region_age + homophily_region must not exceed 1")
        return self


class Wave(_Model):
    """A call-up wave: a quota of men, planned over ``pace_days`` from ``date``, summonses served
    (at most ``capacity_per_day`` a day) while the decree runs (``summons_days``).

    How a country runs a call-up (:data:`WAVE_FIELDS`) belongs to the country: each wave of a
    scenario takes these from itself or from its world's ``scenario_defaults`` (``mobilization:
    wave:``; russia-2022's world.yaml has the 2022 values) and is refused without them. Their
    schema defaults are placeholders that no validated scenario uses."""

    date: dt.date
    quota: Annotated[int, Field(ge=0)]
    summons_days: Annotated[int, Field(ge=1)] = 1  # placeholder (no neutral value). russia-2022: 30
    pace_days: Annotated[int, Field(ge=1)] = 1  # placeholder: the whole quota at once. russia-2022: 30
    capacity_per_day: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] = 1.0  # placeholder. russia-2022: 20000
    oversummons: Annotated[float, Field(ge=1.0)] = 1.0  # one summons per man missing. russia-2022: 1.3
    allocation: Literal["reservist_pool", "weighted"] = "weighted"
    reservists_only: bool = True
    age_max: Annotated[int, Field(ge=14, le=80)] = 80  # no ceiling below the schema's. russia-2022: 49


class Mobilization(_Model):
    """A call-up: its waves and how the summoned respond. The response values belong to a country
    (russia-2022's are in its world.yaml ``scenario_defaults``): a scenario with waves takes them from
    itself or from its world and is refused without them (:data:`CALLUP_FIELDS`); without waves they
    act on nothing, and their defaults are neutral (everyone summoned reports, nobody hides)."""

    waves: list[Wave] = []
    response_days: Positive = 1.0  # no neutral value; acts only with waves. russia-2022: 3
    hide_rate: Rate = 0.0  # russia-2022: 0.02 per day
    enforcement_rate: Rate = 0.0  # russia-2022: 0.005 per day
    exempt_share: Share = 0.0  # russia-2022: 0.1
    unwilling_share: Share = 0.0  # russia-2022: 0.45


class NewsShock(_Model):
    """A dated jolt to urgency (e.g. rumours that exits will close), decaying exponentially."""

    date: dt.date
    urgency: float = 1.0
    half_life_days: Positive = 3.0
    label: str = ""


class Behaviour(_Model):
    """Decision and movement parameters (see the parameter registry for sources)."""

    decision_rule: Literal["hazard", "threshold"] = "hazard"
    baseline_leave_rate: Rate = 0.005 / 365.25
    # The threat of a call-up (CALLUP_FIELDS): with waves, from the scenario or its world (russia-2022's
    # world.yaml scenario_defaults); without waves there is no call-up news and these act on nothing
    threat_weight: float = 0.0  # russia-2022: 7
    summoned_threat: float = 0.0  # russia-2022: 1.5
    regional_threat_share: Share = 0.0  # russia-2022: 0.3
    non_reservist_threat: Share = 1.0  # russia-2022: 0.5
    callup_news_half_life_days: Positive = 1.0  # no neutral value; acts only with waves. russia-2022: 7
    network_odds_per_contact_abroad: Annotated[float, Field(ge=1.0, le=10.0)] = 1.4
    cascade_persuasion: Share = 0.0
    cascade_delay_days: Positive = 14.0
    cascade_safety_weight: Share = 0.5
    cascade_exodus_weight: NonNegative = 0.0
    access_weight: NonNegative = 1.0
    cost_weight: NonNegative = 1.5
    no_passport_cost: NonNegative = 1.0
    age_weight: float = 0.3
    urgency_weight: NonNegative = 0.5
    asylum_value: NonNegative = 2.0
    wait_tolerance_days: Positive = 3.0
    route_distance_exponent: NonNegative = 0.39
    route_distance_offset_km: NonNegative = 200.0
    route_capacity_exponent: NonNegative = 1.0
    air_min_means: Share = 0.85
    visa_holder_odds: Annotated[float, Field(ge=1.0, le=50.0)] = 5.0
    patience_days: Positive = 4.0
    switch_probability: Share = 0.4
    retry_resistance: Annotated[float, Field(ge=1.0, le=100.0)] = 1.0
    land_capacity_factor: Annotated[float, Field(gt=0.0, le=5.0)] = 1.0
    # russia-2022: 3 days (its world.yaml scenario_defaults); 0 = by road all the way
    domestic_flight_days: Annotated[float, Field(ge=0.0, le=365.0)] = 0.0
    return_rate: Rate = 0.0  # russia-2022: 0.35 / 450 days (its world.yaml scenario_defaults)
    return_after_callup_factor: Annotated[float, Field(ge=0.0, le=100.0)] = 3.0
    protected_return_factor: NonNegative = 0.2
    onward_rate: Rate = 0.0  # russia-2022: 0.05 per day (its world.yaml scenario_defaults)
    transit_share: Share = 0.8
    stay_limits: Literal["world", "none"] = "world"
    """``world``: the host countries' stay rules of the world's countries.csv (``stay_limit_days``,
    ``visa_runs``, ``visa_runs_until``) bind men abroad without protection; ``none``: no stay ends."""
    residence_permit_share: Share = 0.25
    stay_limit_return_share: Share = 0.5
    asylum_application_share: Share = 0.3
    asylum_processing_days: Positive = 60.0
    people_per_vehicle: Positive = 2.5
    fee_budget_usd: Positive = 2000.0


EntryRegime = Literal["open", "visa", "closed"]
AsylumPolicy = Literal["grant", "case_by_case", "refuse"]


class Policy(_Model):
    """A destination's rules from a date (until the next policy for it, or ``until``)."""

    country: str
    from_: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None
    entry: EntryRegime | None = None
    asylum: AsylumPolicy | None = None
    recognition_rate: Share | None = None
    transit_only: bool | None = None
    screening_capacity_per_day: NonNegative | None = None
    detection_probability: Share | None = None
    relocation_key: Literal["eu2015", "population"] | None = None
    coalition: list[str] | None = None
    visa_fee_usd: Annotated[float, Field(ge=0.0, le=1e6, allow_inf_nan=False)] | None = None
    label: str = ""

    @field_validator("until")
    @classmethod
    def _until_after_from(cls, until: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return _not_before(until, info.data.get("from_"), "from")


class DraftOffice(_Model):
    crossing: str
    from_: dt.date = Field(alias="from")
    detention_probability: Share = 0.5


class ExitClosure(_Model):
    """The sending state closes its exits to men of draft age."""

    from_: dt.date = Field(alias="from")
    until: dt.date | None = None
    crossings: list[str] | None = None

    @field_validator("until")
    @classmethod
    def _until_after_from(cls, until: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return _not_before(until, info.data.get("from_"), "from")

    @field_validator("crossings")
    @classmethod
    def _some_crossings(cls, crossings: list[str] | None) -> list[str] | None:
        if crossings is not None and not crossings:
            raise ValueError("expected at least one crossing id; leave crossings out to close every crossing")
        return crossings


class ExitBan(_Model):
    """Summoned men may not leave; caught at the border they are detained."""

    from_: dt.date = Field(alias="from")
    detention_probability: Share = 0.9


class Countermeasures(_Model):
    draft_offices: list[DraftOffice] = []
    exit_ban_summoned: ExitBan | None = None
    exit_closure: ExitClosure | None = None
    exit_closures: list[ExitClosure] = []  # any number of further closure windows


Intensity = Literal["quiet", "active", "heavy"]


class FrontPhase(_Model):
    """Front intensity from a date (until the next phase)."""

    from_: dt.date = Field(alias="from")
    intensity: Intensity
    label: str = ""


ShockKind = Literal["surrender", "desertion", "morale", "balance", "credibility", "amnesty", "exchange"]


class FrontShock(_Model):
    """A dated event at the front, on a sector of the line (the first ``units`` share of its units).

    * ``surrender`` / ``desertion``: on that day a share ``size`` (0–1) of the fit men of the
      sector surrender or desert at once (a unit overrun or giving up as a whole): exits beyond
      any unit's own expected rate, so the contagion of precedent acts on them.
    * ``morale``: on that day the sector's morale moves by ``size`` (−1 to 1; negative lowers it),
      then relaxes back to its target at ``morale_recovery``.
    * ``balance``: from that day the sector's morale target moves by ``size`` (−1 to 1) for good
      (the strategic balance as the men see it); shocks add up.
    * ``credibility``: from that day the captor's credibility of good treatment is ``size`` (0–1).
    * ``amnesty``: on that day a share ``size`` (0–1) of the deserters still at large return to
      the front.
    * ``exchange``: on that day a share ``size`` (0–1) of the prisoners held come back;
      ``exchanged_return_share`` of them return to the front, the rest are discharged.
    """

    date: dt.date
    kind: ShockKind
    size: Annotated[float, Field(ge=-1.0, le=1.0)]
    units: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    label: str = ""

    @model_validator(mode="after")
    def _size_for_kind(self) -> FrontShock:
        what = {"surrender": "a share of the sector's men", "desertion": "a share of the sector's men",
                "credibility": "the captor's credibility", "amnesty": "a share of the deserters at large",
                "exchange": "a share of the prisoners held"}
        if self.kind in what and not 0.0 <= self.size <= 1.0:
            article = "an" if self.kind[0] in "aeiou" else "a"
            raise ValueError(f"size: expected {what[self.kind]} from 0 to 1 for {article} {self.kind} shock; "
                             f"got {self.size:g}")
        return self


class CasualtyRates(_Model):
    """Daily casualty rate (killed + wounded, share of strength) by front intensity."""

    quiet: Rate = 0.0005
    active: Rate = 0.002
    heavy: Rate = 0.006


class WarEnd(_Model):
    """How the war ends: ``breakpoint`` (Helmbold), ``hazard`` (log-logistic in the war's age, fitted
    to interstate war durations; see :mod:`exitwave.modules.termination`) or ``none`` (the war
    outlasts the run: ``--war-end off``)."""

    rule: Literal["none", "breakpoint", "hazard"] = "hazard"
    war_start: dt.date | None = None
    """The day the war began (the hazard rule's war age counts from it): the scenario's or its
    world's (russia-2022's world.yaml ``scenario_defaults``: 2022-02-24); a front with the hazard
    rule is refused without it."""
    median_days: Positive = 333.0
    shape: Annotated[float, Field(gt=0.0, le=10.0)] = 0.435  # < 1: the hazard falls with the war's age
    morale_effect: NonNegative = 2.0
    strength_effect: NonNegative = 2.0
    loss_threshold_low: Share = 0.10
    loss_threshold_high: Share = 0.40
    morale_threshold_low: Share = 0.10
    morale_threshold_high: Share = 0.30

    @model_validator(mode="after")
    def _ranges(self) -> WarEnd:
        if self.loss_threshold_high < self.loss_threshold_low:
            raise ValueError("loss_threshold_high is below loss_threshold_low")
        if self.morale_threshold_high < self.morale_threshold_low:
            raise ValueError("morale_threshold_high is below morale_threshold_low")
        return self


class Front(_Model):
    """Force generation, attrition, morale, desertion and surrender, war end (MODEL.md §2, §6, §7).

    The army and war of a country (:data:`FRONT_FIELDS`, ``war_end.war_start``) belong to the
    country: a scenario with a front takes them from itself or from its world's
    ``scenario_defaults`` (russia-2022's world.yaml has the values observed in 2022) and is refused
    without them; their schema defaults are neutral (no army, no volunteers, no hotline)."""

    initial_strength: Annotated[int, Field(ge=0)] = 0  # russia-2022: 300000
    unit_size: Annotated[int, Field(ge=10)] = 500
    training_days: Annotated[int, Field(ge=0)] = 0  # russia-2022: 30
    recruit_training_days: Annotated[int, Field(ge=0)] = 14
    contract_recruits: Rate = 0.0  # russia-2022: 30000 per month
    recruit_means_weight: NonNegative = 2.0
    recruit_region_weight: NonNegative = 1.0
    recruit_age_max: Annotated[int, Field(ge=18, le=80)] = 80  # no ceiling below the schema's. russia-2022: 49
    default_intensity: Intensity = "active"
    phases: list[FrontPhase] = []
    casualty_rate: CasualtyRates = CasualtyRates()
    killed_share: Share = 0.25
    recovery_days: Positive = 60.0
    return_to_duty_share: Share = 0.6
    carers_per_wounded: NonNegative = 0.5
    morale_initial: Share = 0.6
    morale_base: Share = 0.6
    morale_recovery: Rate = 0.05
    morale_killed_impact: NonNegative = 10.0
    morale_wounded_impact: NonNegative = 3.0
    morale_home_news_impact: NonNegative = 0.5
    morale_contagion_impact: NonNegative = 0.02
    pay_morale: float = 0.0
    desertion_rate: Rate = 0.003 / (365.25 / 12)
    surrender_rate: Rate = 0.0005 / (365.25 / 12)
    morale_hazard_weight: NonNegative = 3.0
    contagion_unit: NonNegative = 0.3
    contagion_neighbours: NonNegative = 0.15
    contagion_army: NonNegative = 0.05
    memory_days: Positive = 14.0
    surrender_opportunity: Rate = 0.02
    credibility_effect: NonNegative = 1.83
    overrun_rate: Rate = 0.0005
    overrun_surrender_logodds: NonNegative = 3.0
    captor_credibility: Share = 0.3
    credibility_reference: Annotated[float, Field(gt=0.0, le=1.0)] = 0.3
    deserter_asylum: bool = False
    deserter_asylum_effect: NonNegative = 0.5
    deserter_recognition: Share = 0.0  # russia-2022: 0.05
    morale_care_impact: NonNegative = 0.5
    exchanged_return_share: Share = 0.5
    coercion: Share = 0.5
    coercion_effect: NonNegative = 1.0
    hotline_contacts: Rate = 0.0  # russia-2022: 1600 per month (Ukraine's hotline)
    hotline_conversion: Share = 0.0  # russia-2022: 0.0085
    shocks: list[FrontShock] = []
    war_end: WarEnd = WarEnd()

    @model_validator(mode="after")
    def _surrender_below_opportunity(self) -> Front:
        if not self.surrender_rate < self.surrender_opportunity:
            raise ValueError(
                "surrender_rate: expected a rate below surrender_opportunity (surrender_rate is the "
                "surrenders of a day of active combat, surrender_opportunity the men a day who could "
                f"surrender then; their ratio is the share who choose to); got {self.surrender_rate:g} "
                f"per day with surrender_opportunity {self.surrender_opportunity:g} per day")
        return self

    @model_validator(mode="after")
    def _contagion_below_runaway(self) -> Front:
        ratio = self.contagion_unit + self.contagion_neighbours + self.contagion_army
        if ratio >= 1.0:
            raise ValueError(
                "contagion_unit + contagion_neighbours + contagion_army: expected a sum below 1 (the "
                "branching ratio of desertion and surrender contagion: excess exits set off per excess "
                f"exit; at 1 or more one unexpected exit starts a cascade that never dies out); got {ratio:g}")
        return self


class Scenario(_Model):
    """A complete, validated scenario."""

    name: str
    description: str = ""
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 1
    time: TimeSpan
    world: str = "russia-2022"
    population: PopulationSpec = PopulationSpec()
    mobilization: Mobilization = Mobilization()
    behaviour: Behaviour = Behaviour()
    policies: list[Policy] = []
    countermeasures: Countermeasures = Countermeasures()
    news: list[NewsShock] = []
    front: Front | None = None
    modules: list[Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$", max_length=200)]] = Field(
        default=[], description="extra mechanism modules, as import paths 'package.module:ClassName'; each "
                                "runs after the module its class names in `after` (docs/architecture.md)")

    # The file it was loaded from (load_scenario sets it): a relative world path is found next
    # to that file from Python too, without passing source= to Simulation.
    _source_file: str | None = PrivateAttr(default=None)

    @property
    def source_file(self) -> str | None:
        """The scenario file this was loaded from, or None (built in code or validated from a dict)."""
        return self._source_file

    def __eq__(self, other: object) -> bool:
        # Equal scenarios have equal fields; where each was read from does not make them differ.
        if not isinstance(other, Scenario):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return super().__hash__()

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        return check_name(name)

    @model_validator(mode="before")
    @classmethod
    def _world_defaults(cls, data: object, info: ValidationInfo) -> object:
        """Fields the scenario leaves out take the world's ``scenario_defaults`` (world.yaml):
        values such as the return rate belong to a world, and a new world must not inherit
        russia-2022's silently. ``context={"source": file}`` finds a world given relative to
        the scenario file."""
        if not isinstance(data, dict):
            return data
        world = data.get("world", "russia-2022")
        if not isinstance(world, str):
            return data
        from pathlib import Path

        from exitwave.world import world_scenario_defaults

        source = (info.context or {}).get("source") if info is not None else None
        defaults = world_scenario_defaults(world, Path(source).parent if source else None)
        if not defaults:
            return data
        data = dict(data)
        for section, values in defaults.items():
            given = data.get(section)
            if isinstance(given, BaseModel):  # built in Python: what was set there counts as given
                given = given.model_dump(mode="json", by_alias=True, exclude_unset=True)
            if given is None:
                if section == "front":  # the world's war does not give a scenario without one a front
                    continue
                given = {}
            if isinstance(given, dict):
                values = dict(values)
                wave = values.pop("wave", None)
                merged = _merged(values, given)
                if wave and isinstance(merged.get("waves"), list):  # every wave that leaves a field out
                    merged["waves"] = [_merged(wave, w.model_dump(mode="json", by_alias=True, exclude_unset=True)
                                               if isinstance(w, BaseModel) else w) if isinstance(w, (dict, BaseModel))
                                       else w for w in merged["waves"]]
                data[section] = merged
        return data

    @model_validator(mode="after")
    def _callup_values_given(self) -> Scenario:
        """A call-up (waves) or a front needs the values a country gives (:data:`CALLUP_FIELDS` and
        :data:`WAVE_FIELDS` of each wave; :data:`FRONT_FIELDS` and, with the hazard rule,
        ``front.war_end.war_start``): from the scenario or its world's ``scenario_defaults``, never
        silently another country's; every missing one is named."""
        missing: list[tuple[tuple[str | int, ...], str]] = []
        if self.mobilization.waves:
            sections: dict[str, BaseModel] = {"mobilization": self.mobilization, "behaviour": self.behaviour}
            for section, names in CALLUP_FIELDS.items():
                for name in names:
                    if name not in sections[section].model_fields_set:
                        missing.append(((section, name), "a value for a scenario with call-up waves (the model has "
                                        "no neutral one for a call-up)"))
            for i, wave in enumerate(self.mobilization.waves):
                for name in WAVE_FIELDS:
                    if name not in wave.model_fields_set:
                        missing.append((("mobilization", "waves", i, name), "a value for each call-up wave (how the "
                                        "country runs a call-up; the model has no neutral one; a world gives every "
                                        f"wave one as scenario_defaults mobilization.wave.{name})"))
        if self.front is not None:
            for name in FRONT_FIELDS:
                if name not in self.front.model_fields_set:
                    missing.append((("front", name), "a value for a scenario with a front (the country's army; "
                                    "the model has no neutral one for a war)"))
        if self.front is not None and self.front.war_end.rule == "hazard" and self.front.war_end.war_start is None:
            missing.append((("front", "war_end", "war_start"), "the date the war began (a date, such as 2022-02-24) "
                            "for a front whose war ends by the hazard rule (the war's age counts from it)"))
        if missing:
            where = (f"set it in the scenario or in the world's world.yaml scenario_defaults (world "
                     f"{self.world!r} does not give it)")
            raise ValidationError.from_exception_data(type(self).__name__, [
                InitErrorDetails(type=PydanticCustomError("value_error", f"expected {what}; {where}"),
                                 loc=loc, input=None)
                for loc, what in missing])
        return self


CALLUP_FIELDS: dict[str, tuple[str, ...]] = {
    "mobilization": ("response_days", "hide_rate", "enforcement_rate", "exempt_share", "unwilling_share"),
    "behaviour": ("threat_weight", "summoned_threat", "regional_threat_share", "non_reservist_threat",
                  "callup_news_half_life_days"),
}
"""Fields of a call-up that belong to a country: a scenario with waves must get each from itself or
from its world's ``scenario_defaults`` (russia-2022's world.yaml has the 2022 values); their schema
defaults are neutral and act on nothing without waves."""

WAVE_FIELDS: tuple[str, ...] = ("summons_days", "pace_days", "capacity_per_day", "oversummons", "age_max")
"""Fields of each call-up wave (:class:`Wave`) that belong to a country: every wave of a scenario
gets each from itself or from its world's ``scenario_defaults`` (``mobilization: wave:``;
russia-2022's world.yaml has the 2022 values), else the scenario is refused naming it."""

FRONT_FIELDS: tuple[str, ...] = ("initial_strength", "training_days", "contract_recruits", "recruit_age_max",
                                 "deserter_recognition", "hotline_contacts", "hotline_conversion")
"""Fields of a front (:class:`Front`) observed for a country's war, not generic: a scenario with a
front gets each from itself or from its world's ``scenario_defaults`` (russia-2022's world.yaml
has the 2022 values), else it is refused naming it; their schema defaults are neutral."""


def _merged(world: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """``given`` over ``world``, nested mappings merged key by key (what the scenario sets wins)."""
    out = dict(world)
    for key, value in given.items():
        out[key] = (_merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict)
                    else value)
    return out
