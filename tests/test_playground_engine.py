"""The playground widget's engine (widgets/playground/engine.js), run in Node, against
PyTorch on the same weights and batch: the loss, every gradient, the weights after one
step of gradient descent and the predicted probabilities agree to 1e-6."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "widgets" / "playground" / "engine.js"
TOL = 1e-6
MODULES = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
           "linear": nn.Identity}

# Reads {net, X, y, l2, lr} as JSON on stdin; prints the engine's answers as JSON.
RUNNER = """
const engine = require(process.argv[1]);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const net = {sizes: input.sizes, activation: input.activation,
             W: input.W.map((w) => Float64Array.from(w)),
             b: input.b.map((b) => Float64Array.from(b))};
const X = Float64Array.from(input.X), y = Int32Array.from(input.y), n = input.y.length;
const probs = Array.from(engine.probabilities(net, X, n));
const grads = engine.lossAndGradients(net, X, y, n, input.l2);
engine.sgdStep(net, grads, input.lr);
const list = (arrays) => arrays.map((a) => Array.from(a));
console.log(JSON.stringify({loss: grads.loss, probs, gW: list(grads.gW),
                            gb: list(grads.gb), W: list(net.W), b: list(net.b)}));
"""


def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.fail("Node.js is needed to run the widget's engine: see README")
    return path


def run_engine(payload: dict) -> dict:
    result = subprocess.run([node(), "-e", RUNNER, str(ENGINE)],
                            input=json.dumps(payload), capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def torch_network(num_hiddens, activation, seed):
    torch.manual_seed(seed)
    widths = [2, *num_hiddens]
    layers = []
    for n_in, n_out in zip(widths, widths[1:]):
        layers += [nn.Linear(n_in, n_out), MODULES[activation]()]
    layers.append(nn.Linear(widths[-1], 2))
    return nn.Sequential(*layers).double()


@pytest.mark.parametrize("num_hiddens, activation, l2", [
    ((), "tanh", 0.0),
    ((3,), "relu", 0.0),
    ((4, 8), "tanh", 0.01),
    ((8, 8, 8, 8), "relu", 0.003),
    ((5, 2), "sigmoid", 0.1),
    ((6,), "linear", 0.03),
])
def test_engine_matches_pytorch(num_hiddens, activation, l2):
    model = torch_network(num_hiddens, activation, seed=len(num_hiddens))
    generator = torch.Generator().manual_seed(1)
    X = 1.5 * torch.randn(32, 2, generator=generator, dtype=torch.float64)
    y = torch.randint(0, 2, (32,), generator=generator)
    lr = 0.3
    linears = [m for m in model if isinstance(m, nn.Linear)]
    answer = run_engine({
        "sizes": [2, *num_hiddens, 2], "activation": activation,
        "W": [m.weight.detach().reshape(-1).tolist() for m in linears],
        "b": [m.bias.detach().tolist() for m in linears],
        "X": X.reshape(-1).tolist(), "y": y.tolist(), "l2": l2, "lr": lr})

    logits = model(X)
    penalty = l2 / 2 * sum((m.weight ** 2).sum() for m in linears)
    loss = F.cross_entropy(logits, y) + penalty
    loss.backward()
    probs = logits.softmax(dim=1)[:, 1]
    with torch.no_grad():
        torch.optim.SGD(model.parameters(), lr=lr).step()

    got_probs = torch.tensor(answer["probs"], dtype=torch.float64)
    errors = {"loss": abs(answer["loss"] - loss.item()),
              "probabilities": (got_probs - probs).abs().max().item()}
    for i, m in enumerate(linears):
        pairs = {"dW": (answer["gW"][i], m.weight.grad),
                 "db": (answer["gb"][i], m.bias.grad),
                 "W after a step": (answer["W"][i], m.weight),
                 "b after a step": (answer["b"][i], m.bias)}
        for name, (got, want) in pairs.items():
            got = torch.tensor(got, dtype=torch.float64).reshape(want.shape)
            error = (got - want.detach()).abs().max().item()
            errors[f"{name} of layer {i + 1}"] = error
    too_far = {name: err for name, err in errors.items() if not err < TOL}
    assert not too_far, f"engine and PyTorch differ by more than {TOL}: {too_far}"
    assert loss.item() > 0.1  # not a trivial batch: there is something to learn


def test_engine_training_lowers_the_loss_and_repeats_itself():
    """Ten epochs of mini-batch descent on XOR-like points lower the loss, and the same
    seed gives the same weights."""
    script = """
    const engine = require(process.argv[1]);
    const run = (seed) => {
      const random = engine.randomGenerator(seed);
      const n = 200, X = new Float64Array(2 * n), y = new Int32Array(n);
      for (let r = 0; r < n; r++) {
        X[2 * r] = 2 * random() - 1; X[2 * r + 1] = 2 * random() - 1;
        y[r] = X[2 * r] * X[2 * r + 1] > 0 ? 1 : 0;
      }
      const net = engine.createNetwork([8, 8], "tanh", seed);
      const before = engine.loss(net, X, y, n, 0);
      for (let e = 0; e < 30; e++) {
        engine.trainEpoch(net, X, y, n, {lr: 0.1, batchSize: 10, l2: 0, random});
      }
      return {before, after: engine.loss(net, X, y, n, 0), w: Array.from(net.W[0])};
    };
    console.log(JSON.stringify([run(3), run(3), run(4)]));
    """
    result = subprocess.run([node(), "-e", script, str(ENGINE)], capture_output=True,
                            text=True, timeout=60, check=True)
    first, again, other = json.loads(result.stdout)
    assert first["after"] < 0.5 * first["before"]
    assert first == again
    assert other["w"] != first["w"]


def test_engine_rejects_an_unknown_activation():
    script = ("const e = require(process.argv[1]);"
              "try { e.createNetwork([2], 'swish', 0); } catch (err) {"
              " console.log(err.message); }")
    result = subprocess.run([node(), "-e", script, str(ENGINE)], capture_output=True,
                            text=True, timeout=60, check=True)
    assert "activation must be one of" in result.stdout and "swish" in result.stdout
