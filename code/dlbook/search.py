"""Hyperparameter search: every combination of a grid, or settings drawn at random.

A grid lists a few values for each hyperparameter and tries every combination. Random
search draws every hyperparameter of every trial from a distribution (Bergstra and
Bengio, 2012), so that with the same number of trials a continuous hyperparameter takes
as many distinct values as there are trials (an integer or a choice, as many as its
range allows), where a grid gives each only a few. Both return a list of settings, one dict
``{name: value}`` per trial, to train and score in any loop. Taught in "Activations and
hyperparameters".
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dlbook import _checks as checks


@dataclass(frozen=True)
class LogUniform:
    """A number in ``[low, high]`` whose logarithm is uniformly distributed.

    Every factor of ten in the range is as likely as any other, which suits a
    learning rate: 0.001 to 0.01 gets as many trials as 0.1 to 1.
    """

    low: float
    high: float

    def __post_init__(self):
        checks.number("LogUniform: low", self.low)
        checks.number("LogUniform: high", self.high)
        if not 0 < self.low < self.high:
            raise ValueError(f"LogUniform needs 0 < low < high, got low={self.low}, "
                             f"high={self.high}")

    def sample(self, rng: random.Random) -> float:
        return math.exp(rng.uniform(math.log(self.low), math.log(self.high)))


@dataclass(frozen=True)
class IntUniform:
    """An integer from ``low`` to ``high``, both included, each equally likely."""

    low: int
    high: int

    def __post_init__(self):
        checks.integer("IntUniform: low", self.low)
        checks.integer("IntUniform: high", self.high)
        if not self.low <= self.high:
            raise ValueError(f"IntUniform needs low <= high, got low={self.low}, "
                             f"high={self.high}")

    def sample(self, rng: random.Random) -> int:
        return rng.randint(self.low, self.high)


@dataclass(frozen=True)
class Choice:
    """One of ``options`` (an activation, an optimiser), each equally likely."""

    options: tuple

    def __post_init__(self):
        if isinstance(self.options, (str, bytes)) or not isinstance(self.options,
                                                                    Sequence):
            raise TypeError(f"Choice: options must be a sequence such as "
                            f"('tanh', 'relu'), got {self.options!r}")
        if not self.options:
            raise ValueError("Choice: options must not be empty")
        object.__setattr__(self, "options", tuple(self.options))

    def sample(self, rng: random.Random):
        return rng.choice(self.options)


DISTRIBUTIONS = (LogUniform, IntUniform, Choice)


def grid_configs(grid: Mapping[str, Sequence]) -> list[dict]:
    """Every combination of the values in ``grid``, the last name varying fastest.

    Args:
        grid: hyperparameter name -> the values to try, e.g.
            ``{"lr": [0.01, 0.1], "width": [4, 16]}``.

    Returns:
        ``len(grid["lr"]) * len(grid["width"]) * ...`` dicts ``{name: value}``.
    """
    if not isinstance(grid, Mapping) or not grid:
        raise TypeError(f"grid must be a non-empty dict {{name: values}}, got {grid!r}")
    for name, values in grid.items():
        if (isinstance(values, (str, bytes)) or not isinstance(values, Sequence)
                or not values):
            raise ValueError(f"grid[{name!r}] must be a non-empty list of values, got "
                             f"{values!r}")
    names = list(grid)
    return [dict(zip(names, values)) for values in itertools.product(*grid.values())]


def random_configs(space: Mapping[str, object], num_trials: int, *,
                   seed: int = 0) -> list[dict]:
    """``num_trials`` settings, each hyperparameter drawn independently.

    Args:
        space: hyperparameter name -> a distribution (:class:`LogUniform`,
            :class:`IntUniform` or :class:`Choice`).
        num_trials: how many settings to draw.
        seed: seeds the draws; the same seed gives the same settings.

    Returns:
        ``num_trials`` dicts ``{name: value}``.
    """
    if not isinstance(space, Mapping) or not space:
        raise TypeError(f"space must be a non-empty dict {{name: distribution}}, got "
                        f"{space!r}")
    for name, dist in space.items():
        if not isinstance(dist, DISTRIBUTIONS):
            raise TypeError(f"space[{name!r}] must be a LogUniform, IntUniform or "
                            f"Choice, got {dist!r}; a list of values belongs in a grid")
    num_trials = checks.positive_int("num_trials", num_trials)
    rng = random.Random(checks.seed(seed))
    return [{name: dist.sample(rng) for name, dist in space.items()}
            for _ in range(num_trials)]
