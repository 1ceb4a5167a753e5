"""The front's accounting kernel: carriers drawn without replacement, outcomes dealt exactly."""

import numpy as np

from exitwave.kernels.front import pick_carriers
from exitwave.random import Stream, stream_key


def _pick(day: int, soldiers: np.ndarray, group: np.ndarray, due: np.ndarray):
    soldiers, group = soldiers.copy(), group.copy()
    available = np.bincount(group, minlength=due.shape[0])
    n_kept, chosen, outcome = pick_carriers(np.uint64(stream_key(7, Stream.FRONT_PICK, day)),
                                            np.uint64(stream_key(7, Stream.FRONT_PICK_OUTCOME, day)),
                                            soldiers, group, available, due)
    return soldiers[:n_kept], group[:n_kept], chosen, outcome


def test_each_group_gives_exactly_its_due_and_keeps_the_rest_in_order():
    soldiers = np.arange(1000, 1300, dtype=np.int64)[::-1].copy()
    group = np.arange(300, dtype=np.int64) % 3
    due = np.array([[2, 0, 1, 0], [0, 0, 0, 0], [5, 4, 3, 88]], np.int64)  # group 2 gives all it has
    kept, kept_group, chosen, outcome = _pick(3, soldiers, group, due)
    chosen_group = group[np.searchsorted(-soldiers, -chosen)]
    for g in range(3):
        for k in range(4):
            assert np.sum((chosen_group == g) & (outcome == k)) == due[g, k]
    assert np.array_equal(np.sort(np.concatenate([kept, chosen])), np.sort(soldiers))
    assert np.all(np.diff(kept) < 0)  # the stored order is kept
    assert np.array_equal(kept_group, group[np.searchsorted(-soldiers, -kept)])
    again = _pick(3, soldiers, group, due)
    assert np.array_equal(again[2], chosen) and np.array_equal(again[3], outcome)


def test_carriers_and_their_outcomes_are_uniform_over_the_group():
    n = 40
    soldiers = np.arange(n, dtype=np.int64) * 17 + 5
    group = np.zeros(n, np.int64)
    due = np.array([[3, 0, 2, 0]], np.int64)
    taken = np.zeros(n)
    first_outcome = np.zeros(n)
    days = 4000
    for day in range(days):
        _, _, chosen, outcome = _pick(day, soldiers, group, due)
        index = (chosen - 5) // 17
        taken[index] += 1
        first_outcome[index[outcome == 0]] += 1
    # each soldier carries an outcome with probability 5/40 and killed with 3/40 (binomial sd ~0.5 %)
    assert np.all(np.abs(taken / days - 5 / n) < 0.025)
    assert np.all(np.abs(first_outcome / days - 3 / n) < 0.02)
    # and position in the roll does not matter: first and second halves alike
    assert abs(taken[: n // 2].sum() - taken[n // 2:].sum()) / days < 0.1


def test_unit_draws_follow_the_numpy_hazard_functions_of_the_front():
    """The one-pass kernel draws what the reference numpy functions of the front say, unit by
    unit (same hazards, same binomial inversions of the same keyed uniforms)."""
    from exitwave.kernels.binomial import binomial
    from exitwave.kernels.front import unit_draws
    from exitwave.modules.force import _UNIT_STREAMS, hazard_parameters, own_hazards, unit_hazards
    from exitwave.scenario.schema import Front

    f = Front(contagion_unit=0.3, contagion_neighbours=0.2, contagion_army=0.1, carers_per_wounded=0.5,
              surrender_rate="0.004 per day", desertion_rate="0.003 per day")
    rng = np.random.default_rng(5)
    units = 50
    strength = rng.uniform(0, 900, units)
    strength[3] = 0.0
    in_care = rng.uniform(0, 200, units)
    morale = rng.uniform(0, 1, units)
    excess = rng.normal(0, 0.02, units)
    seed, day, rate, chance, refuge, credibility = 11, 40, 0.02, 0.3, 0.4, 0.6
    keys = np.array([stream_key(seed, s, day) for s in _UNIT_STREAMS], np.uint64)
    overrun, fit, killed, wounded, deserted, surrendered, expected = unit_draws(
        keys, hazard_parameters(f), strength, in_care, morale, excess, 0.01, rate, chance, refuge, credibility)

    n = np.floor(strength + 1e-9).astype(np.int64)
    carers = np.minimum(f.carers_per_wounded * in_care, strength)
    exposed = np.where(strength > 0, 1.0 - carers / np.maximum(strength, 1e-9), 0.0)
    from exitwave.random import uniform
    ref_overrun = (uniform(seed, _UNIT_STREAMS[0], day, np.arange(units)) < chance).astype(np.float64)
    casualties = binomial(seed, _UNIT_STREAMS[1], day, np.floor(n * exposed + 1e-9).astype(np.int64), -np.expm1(-rate))
    ref_killed = binomial(seed, _UNIT_STREAMS[2], day, casualties, f.killed_share)
    own = {"refuge": refuge, "exposed": exposed, "credibility": credibility}
    h_d, h_s = unit_hazards(f, morale, excess, 0.01, rate, overrun=ref_overrun, **own)
    ref_fit = n - casualties
    ref_deserted = binomial(seed, _UNIT_STREAMS[3], day, ref_fit, -np.expm1(-h_d))
    ref_surrendered = binomial(seed, _UNIT_STREAMS[4], day, ref_fit - ref_deserted, -np.expm1(-h_s))
    own_d, quiet_s = own_hazards(f, morale, rate, **own)
    _, overrun_s = own_hazards(f, morale, rate, overrun=1.0, **own)
    p_d = -np.expm1(-own_d)
    p_s = (1 - chance) * -np.expm1(-quiet_s) + chance * -np.expm1(-overrun_s)

    assert np.array_equal(overrun, ref_overrun) and 0 < overrun.sum() < units
    assert np.array_equal(fit, ref_fit) and np.array_equal(killed, ref_killed)
    assert np.array_equal(wounded, casualties - ref_killed)
    assert np.array_equal(deserted, ref_deserted) and deserted.sum() > 0
    assert np.array_equal(surrendered, ref_surrendered) and surrendered.sum() > 0
    np.testing.assert_allclose(expected, ref_fit * (p_d + (1 - p_d) * p_s), rtol=1e-12)
