"""Grid and random hyperparameter search: the settings each one proposes."""

import math
import random

import numpy as np
import pytest

from dlbook import search


def test_grid_is_every_combination_last_name_fastest():
    configs = search.grid_configs({"lr": [0.1, 0.01], "width": [4, 8, 16]})
    assert len(configs) == 6
    assert configs[:3] == [{"lr": 0.1, "width": 4}, {"lr": 0.1, "width": 8},
                           {"lr": 0.1, "width": 16}]
    assert {(c["lr"], c["width"]) for c in configs} == {
        (lr, w) for lr in (0.1, 0.01) for w in (4, 8, 16)}


def test_random_configs_are_seeded_and_inside_their_ranges():
    space = {"lr": search.LogUniform(1e-3, 1.0), "width": search.IntUniform(2, 32),
             "activation": search.Choice(["tanh", "relu"])}
    a = search.random_configs(space, 50, seed=3)
    assert a == search.random_configs(space, 50, seed=3)
    assert a != search.random_configs(space, 50, seed=4)
    assert all(list(c) == ["lr", "width", "activation"] for c in a)
    assert all(1e-3 <= c["lr"] <= 1.0 for c in a)
    assert all(isinstance(c["width"], int) and 2 <= c["width"] <= 32 for c in a)
    assert {c["activation"] for c in a} == {"tanh", "relu"}


def test_random_search_gives_each_trial_its_own_learning_rate():
    """The point of random search: as many distinct values as trials, where a 3 x 3
    grid has three."""
    grid = search.grid_configs({"lr": [1e-3, 0.03, 1.0], "width": [2, 17, 32]})
    drawn = search.random_configs({"lr": search.LogUniform(1e-3, 1.0),
                                   "width": search.IntUniform(2, 32)}, 9, seed=0)
    assert len({c["lr"] for c in grid}) == 3
    assert len({c["lr"] for c in drawn}) == 9


def test_log_uniform_is_uniform_in_the_logarithm():
    rng = random.Random(0)
    dist = search.LogUniform(1e-4, 1.0)
    logs = np.log10([dist.sample(rng) for _ in range(20_000)])
    counts, _ = np.histogram(logs, bins=4, range=(-4, 0))  # one bin per factor of ten
    assert np.all(np.abs(counts / len(logs) - 0.25) < 0.02)
    assert np.mean(logs) == pytest.approx(-2, abs=0.05)


def test_int_uniform_reaches_both_ends():
    rng = random.Random(0)
    dist = search.IntUniform(2, 5)
    assert {dist.sample(rng) for _ in range(200)} == {2, 3, 4, 5}
    assert search.IntUniform(np.int64(1), np.int64(1)).sample(rng) == 1


def test_numpy_seed_and_numbers_are_accepted():
    space = {"lr": search.LogUniform(np.float64(0.01), 1)}
    configs = search.random_configs(space, np.int64(2), seed=np.int64(7))
    assert configs == search.random_configs(space, 2, seed=7)
    assert all(math.isfinite(c["lr"]) for c in configs)


@pytest.mark.parametrize("make,match", [
    (lambda: search.LogUniform(0.0, 1.0), "0 < low < high"),
    (lambda: search.LogUniform(1.0, 0.1), "0 < low < high"),
    (lambda: search.LogUniform("a", 1.0), "low must be a (finite )?number"),
    (lambda: search.IntUniform(5, 2), "low <= high"),
    (lambda: search.IntUniform(1.5, 2), "low must be an int"),
    (lambda: search.Choice([]), "must not be empty"),
    (lambda: search.Choice("tanh"), "options must be a sequence"),
])
def test_bad_distributions_raise(make, match):
    with pytest.raises((TypeError, ValueError), match=match):
        make()


def test_bad_spaces_and_grids_raise():
    with pytest.raises(TypeError, match=r"space\['lr'\] must be a LogUniform"):
        search.random_configs({"lr": [0.1, 0.01]}, 3)
    with pytest.raises(ValueError, match="num_trials must be a positive int"):
        search.random_configs({"lr": search.LogUniform(0.1, 1)}, 0)
    with pytest.raises(TypeError, match="seed must be an int"):
        search.random_configs({"lr": search.LogUniform(0.1, 1)}, 2, seed="0")
    with pytest.raises(TypeError, match="space must be a non-empty dict"):
        search.random_configs({}, 2)
    with pytest.raises(ValueError, match=r"grid\['width'\] must be a non-empty list"):
        search.grid_configs({"lr": [0.1], "width": []})
    with pytest.raises(ValueError, match=r"grid\['act'\] must be a non-empty list"):
        search.grid_configs({"act": "tanh"})
    with pytest.raises(TypeError, match="grid must be a non-empty dict"):
        search.grid_configs([("lr", [0.1])])
