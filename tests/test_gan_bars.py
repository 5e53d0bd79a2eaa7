"""The quality bars of the chapter "Generative adversarial networks", checked on what
the chapter itself measured at its own settings (in the book build, read from its
execution cache; see helpers/executed.py), with margins below the chapter's numbers:

- the workshop's unconditional GAN draws every digit, and the lab's CNN recognises a
  fair share of its samples with confidence >= 0.9;
- the class-conditional GAN (with a moving average of the generator) is recognised
  with confidence far more often, draws every class evenly and as asked, and keeps at
  least half the variety of real digits;
- the toy GAN collapses when its generator outpaces the discriminator and covers all
  eight modes when they are balanced: at the chapter's seed, and at two more seeds
  with the chapter's own training function and learning rates, taken from its cell.

The cheap checks of the same code are in ``test_gan.py``, ``test_dcgan.py``,
``test_toy2d.py`` and ``test_gan_eval.py``.
"""

import ast

import pytest
from helpers.book import BOOK, code_cells
from helpers.executed import executed

from dlbook import gan, toy2d
from dlbook.utils import set_seed

pytestmark = pytest.mark.slow

CHAPTER = BOOK / "gan.md"


@pytest.fixture(scope="module")
def measured() -> dict:
    """The values the chapter glued for its prose, by name."""
    run = executed(CHAPTER)
    assert "error" not in run, f"{CHAPTER.name} failed:\n{run['error']}"
    values = {}
    for name, text in run["glued"].items():
        try:
            values[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            pass  # not a number or string (a figure, a tensor's repr)
    return values


def test_workshop_gan_meets_the_bars(measured):
    assert measured["gan_share_confident"] >= 0.3  # the chapter measures about 0.4
    assert measured["gan_min_class_share"] >= 0.03  # every digit drawn


def test_conditional_gan_meets_the_bars(measured):
    assert measured["gan_cond_share_confident"] >= 0.85
    assert measured["gan_cond_min_class_share"] >= 0.05
    assert measured["gan_cond_agreement"] >= 0.9  # draws the digit it is asked for
    # and not one image per class drawn over and over: at least half the variety of
    # real digits of the same class
    assert measured["gan_cond_spread_ratio"] >= 0.5


def test_toy_collapse_and_cure_at_the_chapters_seed(measured):
    assert measured["gan_toy_fast_modes"] <= 2
    assert measured["gan_toy_balanced_modes"] == 8


@pytest.fixture(scope="module")
def toy_cell():
    """The chapter's ``train_toy`` (defined with the data it trains on), and the
    learning rates of its two runs, in the chapter's order (fast, balanced)."""
    source = next(c for c in code_cells(CHAPTER) if "def train_toy(" in c)
    tree = ast.parse(source)
    runs = next(node for node in tree.body if isinstance(node, ast.Assign)
                and getattr(node.targets[0], "id", None) == "toy_runs")
    definitions = tree.body[:tree.body.index(runs)]
    namespace = {"gan": gan, "toy2d": toy2d, "set_seed": set_seed}
    exec(compile(ast.Module(definitions, type_ignores=[]), str(CHAPTER), "exec"),
         namespace)
    rates = [{kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
             for call in runs.value.values]
    return namespace["train_toy"], rates


@pytest.mark.parametrize("seed", [1, 2])  # 0 is the chapter's
def test_toy_collapse_and_cure_at_other_seeds(toy_cell, seed):
    train_toy, (fast, balanced) = toy_cell
    assert fast["lr_g"] > fast["lr_d"] and balanced["lr_g"] == balanced["lr_d"]
    assert train_toy(**fast, seed=seed)[1].covered <= 2
    assert train_toy(**balanced, seed=seed)[1].covered == 8
