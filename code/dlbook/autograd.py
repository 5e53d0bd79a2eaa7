"""A scalar automatic-differentiation engine, and a tiny MLP built from it.

Every :class:`Value` remembers the values it was computed from and how to pass a
gradient back to them. :meth:`Value.backward` visits the graph in reverse topological
order and applies the chain rule once per node: backpropagation in a few lines.
Taught in the chapter "Training neural networks"; tested against ``torch.autograd``.
"""

from __future__ import annotations

import math
import random
from numbers import Real

from dlbook import _checks as checks


def _is_number(x) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool)


class Value:
    """A scalar that records how it was computed, so that it can be differentiated.

    For ``out = f(a, b)`` the backward rule adds ``out.grad * ∂out/∂a`` to ``a.grad``
    (and likewise for ``b``): the chain rule ``∂L/∂a = ∂L/∂out · ∂out/∂a``, summed over
    every path from ``a`` to the loss ``L``.

    Args:
        data: the number this node holds (int or float).
    """

    def __init__(self, data, _children: tuple[Value, ...] = (), _op: str = ""):
        if not _is_number(data):
            raise TypeError(f"Value holds a number (int or float), got "
                            f"{type(data).__name__}: {data!r}")
        self.data = float(data)
        self.grad = 0.0                     # ∂(output of backward)/∂self
        self._backward = lambda: None       # passes self.grad on to the children
        self._prev = _children
        self._op = _op

    @staticmethod
    def _wrap(other, op: str) -> Value:
        if isinstance(other, Value):
            return other
        if _is_number(other):
            return Value(other)
        raise TypeError(f"unsupported operand for {op}: Value and "
                        f"{type(other).__name__}; use a Value, an int or a float")

    def __add__(self, other):
        other = self._wrap(other, "+")
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._wrap(other, "*")
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, exponent):
        if not _is_number(exponent):
            raise TypeError(f"unsupported operand for **: the exponent must be an int "
                            f"or a float, got {type(exponent).__name__}")
        if self.data < 0 and not float(exponent).is_integer():
            raise ValueError(f"a negative base ({self.data}) needs an integer "
                             f"exponent, got {exponent}")
        out = Value(self.data ** exponent, (self,), f"**{exponent}")

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log needs a positive input, got {self.data}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self) -> Value:
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data ** 2) * out.grad
        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():
            self.grad += (self.data > 0) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        x = self.data  # two forms, so that exp never overflows
        s = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
        out = Value(s, (self,), "sigmoid")

        def _backward():
            self.grad += s * (1 - s) * out.grad
        out._backward = _backward
        return out

    def backward(self) -> None:
        """Set ``node.grad = ∂self/∂node`` for every node this one depends on.

        Gradients accumulate (``+=``), as in PyTorch: zero them between steps.
        """
        # depth-first search: a node joins `topo` after all the nodes it uses
        topo, seen, stack = [], set(), [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                topo.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()

    # Everything else is built from the operations above.
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._wrap(other, "-"))

    def __truediv__(self, other):
        return self * self._wrap(other, "/") ** -1

    def __radd__(self, other):
        return self._wrap(other, "+") + self

    def __rsub__(self, other):
        return self._wrap(other, "-") - self

    def __rmul__(self, other):
        return self._wrap(other, "*") * self

    def __rtruediv__(self, other):
        return self._wrap(other, "/") / self

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"


# --- a tiny multi-layer perceptron of Values -----------------------------------------

ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")


class Neuron:
    """``a = f(w · x + b)`` for one unit, with weights drawn uniformly from ±1/√n_in."""

    def __init__(self, num_inputs: int, activation: str = "tanh",
                 rng: random.Random | None = None):
        num_inputs = checks.positive_int("num_inputs", num_inputs)
        checks.choice("activation", activation, ACTIVATIONS)
        rng = rng or random.Random(0)
        bound = 1 / math.sqrt(num_inputs)
        self.w = [Value(rng.uniform(-bound, bound)) for _ in range(num_inputs)]
        self.b = Value(0.0)
        self.activation = activation

    def __call__(self, x) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"expected {len(self.w)} inputs, got {len(x)}")
        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return z if self.activation == "linear" else getattr(z, self.activation)()

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]


class MLP:
    """Fully connected layers of Neurons: ``x^(i) = f(W^(i) x^(i-1) + b^(i))``.

    Args:
        num_inputs: size of an input vector.
        layer_sizes: units per layer, the last one being the output layer.
        activation: of the hidden units.
        output_activation: of the output units (``"sigmoid"`` for binary
            classification, ``"linear"`` for regression).
        seed: seeds the initial weights.
    """

    def __init__(self, num_inputs: int, layer_sizes, *, activation: str = "tanh",
                 output_activation: str = "sigmoid", seed: int = 0):
        if not isinstance(layer_sizes, (list, tuple)) or not layer_sizes:
            raise ValueError(f"layer_sizes must list the units of at least one layer, "
                             f"got {layer_sizes!r}")
        sizes = [checks.positive_int("num_inputs", num_inputs),
                 *(checks.positive_int(f"layer_sizes[{i}]", n)
                   for i, n in enumerate(layer_sizes))]
        rng = random.Random(checks.seed(seed))
        last = len(layer_sizes) - 1
        self.layers = [
            [Neuron(n_in, output_activation if i == last else activation, rng)
             for _ in range(n_out)]
            for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]))
        ]

    def __call__(self, x):
        """A list of numbers or Values -> the list of output Values."""
        for layer in self.layers:
            x = [neuron(x) for neuron in layer]
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for neuron in layer
                for p in neuron.parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0
