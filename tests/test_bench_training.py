"""The training-loop benchmark compares like with like, and says so when it cannot.

Its timings are not tested (they depend on the machine); what it times is: ``fit`` and
the plain loop must do the same work, or the ratio means nothing.
"""

import importlib.util
from pathlib import Path

import pytest

from dlbook.data import load_digits
from dlbook.models import CNN, MLP, Perceptron

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_training.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_training", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def splits():
    return load_digits()


@pytest.mark.parametrize("model", [Perceptron, MLP, CNN], ids=lambda m: m.__name__)
@pytest.mark.parametrize("with_val", [False, True], ids=["no-val", "val"])
def test_fit_and_the_plain_loop_end_with_the_same_weights(bench, splits, model, with_val):
    # compare() exits when they differ; here it returns medians over 3 pairs
    ratio, (q1, q3), fit_cpu, plain_cpu, wall = bench.compare(
        model.__name__, lambda: model(splits.input_shape, splits.num_classes), splits,
        with_val=with_val, num_epochs=1, repeats=3)
    assert fit_cpu > 0 and plain_cpu > 0
    assert q1 <= ratio <= q3 and wall > 0


def test_a_plain_loop_doing_other_work_gets_no_timing(bench, splits, monkeypatch):
    plain_loop = bench.plain_loop

    def other_order(model, *data, num_epochs, seed):  # shuffles in another order
        return plain_loop(model, *data, num_epochs=num_epochs, seed=seed + 1)

    monkeypatch.setattr(bench, "plain_loop", other_order)
    with pytest.raises(SystemExit, match="different weights"):
        bench.compare("perceptron", lambda: Perceptron(splits.input_shape, 10), splits,
                      with_val=False, num_epochs=1, repeats=2)


@pytest.mark.parametrize("argv", [["--repeats", "1"], ["--epochs", "0"],
                                  ["--threads", "0"]])
def test_the_script_rejects_settings_it_cannot_time(bench, argv, capsys):
    with pytest.raises(SystemExit) as stop:
        bench.main(argv)
    assert stop.value.code == 2 and "at least" in capsys.readouterr().err


def test_the_script_prints_a_row_per_model_and_a_verdict(bench, capsys):
    status = bench.main(["--epochs", "1", "--repeats", "2"])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.endswith(("PASS", "FAIL"))]
    assert [row.split()[:2] for row in rows] == [
        [name, val] for name in ("perceptron", "mlp", "cnn")
        for val in ("none", "each")]
    verdict = out.split("worst ratio")[1]
    assert status == (0 if ": PASS" in verdict else 1)
