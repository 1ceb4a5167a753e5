import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from exitwave.kernels.network import layer_neighbours, permute, unpermute
from exitwave.population import contacts, synthesize
from exitwave.scenario.schema import PopulationSpec
from exitwave.world import load_world


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5000), st.integers(0, 2**63 - 1))
def test_permute_is_a_bijection_with_its_inverse(n, key):
    key = np.uint64(key)
    image = np.array([permute(x, n, key) for x in range(n)])
    assert np.array_equal(np.sort(image), np.arange(n))
    assert all(unpermute(int(y), n, key) == x for x, y in enumerate(image))


def test_cycle_layer_ties_are_symmetric():
    key = np.uint64(12345)
    for agent in range(100, 150):
        before, after = layer_neighbours(agent, 100, 50, key)
        assert layer_neighbours(after, 100, 50, key)[0] == agent
        assert layer_neighbours(before, 100, 50, key)[1] == agent


def test_population_network_is_symmetric_regular_and_homophilous():
    world = load_world("russia-2022")
    pop = synthesize(world, PopulationSpec(scale=5000), seed=3)
    agents = np.arange(0, pop.n, 17, dtype=np.int64)
    offsets, neighbours = contacts(pop, agents)
    degree = np.diff(offsets)
    assert degree.max() == pop.degree and np.median(degree) == pop.degree
    same_region = pop.region[np.repeat(agents, degree)] == pop.region[neighbours]
    assert same_region.mean() > 0.75  # stratum + region layers: 10 of 12 ties by default
    # symmetry: every contact lists the agent back
    for j in range(0, agents.size, 97):
        a = agents[j]
        for b in neighbours[offsets[j]: offsets[j + 1]]:
            o, nb = contacts(pop, np.array([b]))
            assert a in nb


def test_large_batches_take_the_parallel_path_with_the_same_contacts():
    from exitwave.kernels import network

    world = load_world("russia-2022")
    pop = synthesize(world, PopulationSpec(scale=2000), seed=4)
    agents = np.arange(0, pop.n, dtype=np.int64)[: network._PARALLEL_FROM + 7]
    assert agents.size > network._PARALLEL_FROM
    offsets, neighbours = contacts(pop, agents)
    cut = agents.size // 2  # both halves below the threshold: the serial path
    o1, n1 = contacts(pop, agents[:cut])
    o2, n2 = contacts(pop, agents[cut:])
    assert np.array_equal(neighbours, np.concatenate([n1, n2]))
    assert np.array_equal(offsets, np.concatenate([o1, o2[1:] + o1[-1]]))
