/* The playground's network: a fully connected classifier of points in the plane,
 * trained by mini-batch gradient descent. The maths of "Activations and
 * hyperparameters" and "Training neural networks", in the book's notation:
 *
 *   x^(0) = x,   x^(i) = f(W^(i) x^(i-1) + b^(i))  for each hidden layer i,
 *   z = W^(L) x^(L-1) + b^(L)                    (two logits, no activation),
 *   p = softmax(z),   loss = mean over the batch of -log p_y  +  (λ/2) Σ_i ||W^(i)||²,
 *   W ← W - η ∂loss/∂W,   b ← b - η ∂loss/∂b.
 *
 * It is dlbook's deep_mlp(2, num_hiddens, 2) trained with cross-entropy and plain SGD
 * whose L2 penalty covers the weights only (not the biases); tests/test_playground_engine.py
 * checks the loss, the gradients and one step against PyTorch. A W^(i) is stored row
 * by row with shape (out, in), as nn.Linear stores its weight. Everything is Float64.
 * Works as a browser script (window.dlPlaygroundEngine) and as a Node module.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.dlPlaygroundEngine = factory();
}(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  /* A seeded generator of uniform numbers in [0, 1) (mulberry32): the same seed gives
   * the same weights and the same order of examples, in every browser. */
  function randomGenerator(seed) {
    let a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /* e^x from + - * / only, which every browser computes to the same bit; Math.exp and
   * Math.tanh may differ in the last bit between browsers, and a long run amplifies
   * that. x = k ln 2 + r with |r| <= ln(2)/2, e^r by its Taylor series to r^13
   * (relative error below 1e-15), times 2^k built from its bits. */
  const LN2_HI = 0.6931471803691238, LN2_LO = 1.9082149292705877e-10;
  const TAYLOR = Array.from({ length: 14 }, (_, i) => {
    let f = 1;
    for (let j = 2; j <= i; j++) f *= j;
    return 1 / f;
  });
  const bits = new DataView(new ArrayBuffer(8));
  function powerOfTwo(k) {  // 2^k for -1022 <= k <= 1023
    bits.setUint32(0, (k + 1023) << 20);
    bits.setUint32(4, 0);
    return bits.getFloat64(0);
  }
  function exp(x) {
    if (Number.isNaN(x)) return NaN;
    if (x > 709.78) return Infinity;
    if (x < -745) return 0;
    const k = Math.round(x / Math.LN2), r = (x - k * LN2_HI) - k * LN2_LO;
    let p = TAYLOR[13];
    for (let i = 12; i >= 0; i--) p = p * r + TAYLOR[i];
    if (k > 1023) return p * 2 * powerOfTwo(k - 1);
    return k < -1000 ? p * powerOfTwo(k + 100) * powerOfTwo(-100) : p * powerOfTwo(k);
  }

  /* Each activation f with its derivative written in terms of its output x = f(z). */
  const ACTIVATIONS = {
    relu: { f: (z) => (z > 0 ? z : 0), df: (x) => (x > 0 ? 1 : 0) },
    tanh: { f: (z) => (z < 0 ? -1 : 1) * (1 - 2 / (exp(2 * Math.abs(z)) + 1)), df: (x) => 1 - x * x },
    sigmoid: { f: (z) => 1 / (1 + exp(-z)), df: (x) => x * (1 - x) },
    linear: { f: (z) => z, df: () => 1 },
  };

  /* A fresh network 2 -> numHiddens -> 2. Like nn.Linear, every weight and bias of a
   * layer with n_in inputs is drawn uniformly from [-1/√n_in, 1/√n_in]. */
  function createNetwork(numHiddens, activation, seed) {
    if (!(activation in ACTIVATIONS)) {
      throw new Error(`activation must be one of ${Object.keys(ACTIVATIONS)}, got ${activation}`);
    }
    const sizes = [2, ...numHiddens, 2];
    const random = randomGenerator(seed);
    const W = [], b = [];
    for (let i = 1; i < sizes.length; i++) {
      const bound = 1 / Math.sqrt(sizes[i - 1]);
      const draw = () => (2 * random() - 1) * bound;
      W.push(Float64Array.from({ length: sizes[i] * sizes[i - 1] }, draw));
      b.push(Float64Array.from({ length: sizes[i] }, draw));
    }
    return { sizes, activation, W, b };
  }

  /* The forward pass on n points X (n x 2, row by row). Returns every layer's output
   * xs[0] = X, xs[1], ..., and the logits last: xs[i] has shape (n, sizes[i]). */
  function forward(net, X, n) {
    const { sizes, W, b } = net;
    const f = ACTIVATIONS[net.activation].f;
    const xs = [X];
    for (let i = 1; i < sizes.length; i++) {
      const nIn = sizes[i - 1], nOut = sizes[i], Wi = W[i - 1], bi = b[i - 1];
      const prev = xs[i - 1], out = new Float64Array(n * nOut);
      const last = i === sizes.length - 1;
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < nOut; j++) {
          let z = bi[j];
          for (let k = 0; k < nIn; k++) z += Wi[j * nIn + k] * prev[r * nIn + k];
          out[r * nOut + j] = last ? z : f(z);
        }
      }
      xs.push(out);
    }
    return xs;
  }

  /* p(class 1 | x) = softmax(z)_1 = σ(z_1 - z_0), for each of n points. */
  function probabilities(net, X, n) {
    const z = forward(net, X, n).at(-1), p = new Float64Array(n);
    for (let r = 0; r < n; r++) p[r] = 1 / (1 + exp(z[2 * r] - z[2 * r + 1]));
    return p;
  }

  /* Cross-entropy of the logits z (n x 2) against labels y, averaged: mean -log p_y. */
  function crossEntropy(z, y, n) {
    let total = 0;
    for (let r = 0; r < n; r++) {
      const z0 = z[2 * r], z1 = z[2 * r + 1], m = Math.max(z0, z1);
      const logSum = m + Math.log(exp(z0 - m) + exp(z1 - m));
      total += logSum - (y[r] === 1 ? z1 : z0);
    }
    return total / n;
  }

  function penalty(net, l2) {
    let sum = 0;
    for (const Wi of net.W) for (const w of Wi) sum += w * w;
    return 0.5 * l2 * sum;
  }

  /* The loss on the batch (X, y) of n points and its gradients, by backpropagation:
   *   δ^(L) = (p - onehot(y)) / n,   ∂loss/∂W^(i) = δ^(i) x^(i-1)ᵀ + λ W^(i),
   *   ∂loss/∂b^(i) = Σ_rows δ^(i),   δ^(i-1) = (δ^(i) W^(i)) ⊙ f'(x^(i-1)). */
  function lossAndGradients(net, X, y, n, l2) {
    const { sizes, W } = net;
    const df = ACTIVATIONS[net.activation].df;
    const xs = forward(net, X, n);
    const L = sizes.length - 1;
    const z = xs[L];
    const loss = crossEntropy(z, y, n) + penalty(net, l2);
    let delta = new Float64Array(n * 2);
    for (let r = 0; r < n; r++) {
      const p1 = 1 / (1 + exp(z[2 * r] - z[2 * r + 1]));
      delta[2 * r] = (1 - p1 - (y[r] === 0 ? 1 : 0)) / n;
      delta[2 * r + 1] = (p1 - (y[r] === 1 ? 1 : 0)) / n;
    }
    const gW = new Array(L), gb = new Array(L);
    for (let i = L; i >= 1; i--) {
      const nIn = sizes[i - 1], nOut = sizes[i], Wi = W[i - 1], prev = xs[i - 1];
      const gWi = new Float64Array(Wi.length), gbi = new Float64Array(nOut);
      for (let k = 0; k < Wi.length; k++) gWi[k] = l2 * Wi[k];
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < nOut; j++) {
          const d = delta[r * nOut + j];
          gbi[j] += d;
          for (let k = 0; k < nIn; k++) gWi[j * nIn + k] += d * prev[r * nIn + k];
        }
      }
      gW[i - 1] = gWi;
      gb[i - 1] = gbi;
      if (i > 1) {  // δ for the layer below; the input layer needs none
        const below = new Float64Array(n * nIn);
        for (let r = 0; r < n; r++) {
          for (let k = 0; k < nIn; k++) {
            let s = 0;
            for (let j = 0; j < nOut; j++) s += delta[r * nOut + j] * Wi[j * nIn + k];
            below[r * nIn + k] = s * df(prev[r * nIn + k]);
          }
        }
        delta = below;
      }
    }
    return { loss, gW, gb };
  }

  /* One step of gradient descent, in place: θ ← θ - η ∂loss/∂θ. */
  function sgdStep(net, grads, lr) {
    for (let i = 0; i < net.W.length; i++) {
      const Wi = net.W[i], gWi = grads.gW[i], bi = net.b[i], gbi = grads.gb[i];
      for (let k = 0; k < Wi.length; k++) Wi[k] -= lr * gWi[k];
      for (let k = 0; k < bi.length; k++) bi[k] -= lr * gbi[k];
    }
  }

  /* The loss (cross-entropy plus the penalty) on all n points, without gradients. */
  function loss(net, X, y, n, l2) {
    return crossEntropy(forward(net, X, n).at(-1), y, n) + penalty(net, l2);
  }

  /* One epoch: the training points (Xtrain, ytrain) in an order drawn from `random`,
   * cut into batches of batchSize (the last may be smaller), one step per batch. */
  function trainEpoch(net, Xtrain, ytrain, n, { lr, batchSize, l2, random }) {
    const order = Array.from({ length: n }, (_, r) => r);
    for (let r = n - 1; r > 0; r--) {  // Fisher-Yates shuffle
      const s = Math.floor(random() * (r + 1));
      [order[r], order[s]] = [order[s], order[r]];
    }
    for (let start = 0; start < n; start += batchSize) {
      const rows = order.slice(start, start + batchSize), m = rows.length;
      const X = new Float64Array(2 * m), y = new Int32Array(m);
      rows.forEach((row, r) => {
        X[2 * r] = Xtrain[2 * row];
        X[2 * r + 1] = Xtrain[2 * row + 1];
        y[r] = ytrain[row];
      });
      sgdStep(net, lossAndGradients(net, X, y, m, l2), lr);
    }
  }

  return {
    ACTIVATIONS, exp, randomGenerator, createNetwork, forward, probabilities, crossEntropy,
    lossAndGradients, sgdStep, loss, trainEpoch,
  };
}));
