/* The playground: every <div class="dl-playground"> of the page becomes a network that
 * trains on the book's 2-D data sets while the reader watches. The maths is in
 * engine.js, the data in data.js (both loaded before this file). Settings come from the
 * div's data- attributes (the `playground` directive writes them) and from the controls;
 * every change of a setting starts again from epoch 0, so the same settings and seed
 * always give the same run. */
(function () {
  "use strict";
  const engine = window.dlPlaygroundEngine, DATA = window.dlPlaygroundData;
  const DOMAIN = 1.6;         // the heat map covers [-DOMAIN, DOMAIN]² (the data fit in it)
  const GRID = 40;            // heat-map cells per side
  const STEPS_PER_SECOND = 60, MAX_STEPS_PER_FRAME = 4;  // a slow frame catches up
  const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const L2_RATES = [0, 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
  const DIVERGED = 1e6;       // a loss above this (or not a number) stops the run
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  let counter = 0;

  function decode(text) {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    return new Float32Array(bytes.buffer);
  }
  const BASE = {};
  for (const [name, d] of Object.entries(DATA.datasets)) {
    BASE[name] = { base: decode(d.base), z: decode(d.z), y: Int32Array.from(d.y, Number) };
  }

  /* dlbook.playground.make_dataset(name, 500, noise=noise, seed=0), cut after the first
   * ratio of its (already shuffled) points into training and test points. */
  function makeData(name, noise, ratio) {
    const { base, z, y } = BASE[name], n = y.length, nTrain = Math.round(ratio * n);
    const X = Float64Array.from(base, (v, k) => v + noise * z[k]);
    return { Xtrain: X.subarray(0, 2 * nTrain), ytrain: y.subarray(0, nTrain), nTrain,
             Xtest: X.subarray(2 * nTrain), ytest: y.subarray(nTrain), nTest: n - nTrain };
  }

  const GRID_POINTS = Float64Array.from({ length: 2 * GRID * GRID }, (_, k) => {
    const cell = k >> 1, index = k & 1 ? GRID - 1 - Math.floor(cell / GRID) : cell % GRID;
    return -DOMAIN + (2 * DOMAIN * (index + 0.5)) / GRID;   // rows run top to bottom
  });

  function element(tag, attributes = {}, children = []) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (key === "text") el.textContent = value;
      else el.setAttribute(key, value);
    }
    children.forEach((child) => el.append(child));
    return el;
  }

  function labelled(id, text, control, output) {
    const label = element("label", { for: control.id, text });
    return element("div", { class: "dlp-field" }, output ? [label, control, output] : [label, control]);
  }

  function select(id, values, format, value) {
    const s = element("select", { id });
    values.forEach((v) => s.append(element("option", { value: String(v), text: format(v) })));
    s.value = String(value);
    return s;
  }

  const CIVIDIS = Uint8ClampedArray.from(DATA.cividis.flatMap(([r, g, b]) => [r, g, b, 255]));

  function Playground(root) {
    const id = `dlp${counter++}`, o = root.dataset;
    const settings = {
      dataset: o.dataset || "circles", noise: Number(o.noise ?? 0.1),
      ratio: Number(o.ratio ?? 0.5), showTest: o.showTest === "true",
      hidden: (o.hidden ?? "4,2").split(",").filter((s) => s.trim()).map(Number),
      activation: o.activation || "tanh", lr: Number(o.lr ?? 0.03),
      batchSize: Number(o.batchSize ?? 10), l2: Number(o.l2 ?? 0), seed: Number(o.seed ?? 0),
    };
    let run, playing = false, lastDraw = 0, shownUnit = null, pinnedUnit = null;
    const stats = { frames: 0, epochs: 0, frameMs: 0, draws: 0 };

    // --- the controls ------------------------------------------------------------------
    const play = element("button", { type: "button", class: "dlp-play", "aria-pressed": "false", text: "Play" });
    const step = element("button", { type: "button", class: "dlp-step", text: "Step" });
    const reset = element("button", { type: "button", class: "dlp-reset", text: "Reset" });
    const epochOut = element("output", { class: "dlp-epoch", text: "0" });
    const dataset = select(`${id}-data`, Object.keys(DATA.datasets), (v) => v, settings.dataset);
    const noise = element("input", { id: `${id}-noise`, type: "range", min: "0", max: "0.5", step: "0.05" });
    const noiseOut = element("output", { for: noise.id });
    const ratio = element("input", { id: `${id}-ratio`, type: "range", min: "0.1", max: "0.9", step: "0.1" });
    const ratioOut = element("output", { for: ratio.id });
    const showTest = element("input", { id: `${id}-test`, type: "checkbox" });
    const layers = element("input", { id: `${id}-layers`, type: "number", min: "0", max: "4", step: "1", inputmode: "numeric" });
    const widths = element("div", { class: "dlp-widths" });
    const activation = select(`${id}-act`, Object.keys(engine.ACTIVATIONS), (v) => v, settings.activation);
    const lr = select(`${id}-lr`, LEARNING_RATES, String, settings.lr);
    const batch = element("input", { id: `${id}-batch`, type: "range", min: "1", max: "30", step: "1" });
    const batchOut = element("output", { for: batch.id });
    const l2 = select(`${id}-l2`, L2_RATES, String, settings.l2);
    const seed = element("input", { id: `${id}-seed`, type: "number", min: "0", max: "9999", step: "1", inputmode: "numeric" });
    noise.value = settings.noise; ratio.value = settings.ratio; showTest.checked = settings.showTest;
    layers.value = settings.hidden.length; batch.value = settings.batchSize; seed.value = settings.seed;

    const group = (legend, children) => element("fieldset", {}, [element("legend", { text: legend }), ...children]);
    const buttons = element("div", { class: "dlp-buttons" }, [reset, play, step,
      element("span", { class: "dlp-counter" }, ["Epoch ", epochOut])]);
    const controls = element("div", { class: "dlp-controls" }, [
      group("Data", [labelled(dataset.id, "Data set", dataset), labelled(noise.id, "Noise", noise, noiseOut),
        labelled(ratio.id, "Training share", ratio, ratioOut),
        element("div", { class: "dlp-field dlp-check" }, [showTest, element("label", { for: showTest.id, text: "Show test points" })])]),
      group("Network", [labelled(layers.id, "Hidden layers", layers), widths,
        labelled(activation.id, "Activation", activation)]),
      group("Training", [labelled(lr.id, "Learning rate η", lr), labelled(batch.id, "Batch size", batch, batchOut),
        labelled(l2.id, "L2 regularisation λ", l2), labelled(seed.id, "Seed", seed)]),
    ]);

    // --- the view ----------------------------------------------------------------------
    const map = element("canvas", { class: "dlp-map", role: "img", width: "320", height: "320" });
    const mapCaption = element("p", { class: "dlp-caption" });
    const units = element("div", { class: "dlp-units" });
    const lossPlot = element("canvas", { class: "dlp-loss", role: "img", width: "320", height: "90" });
    const trainOut = element("output", { class: "dlp-train-loss" });
    const testOut = element("output", { class: "dlp-test-loss" });
    const status = element("p", { class: "dlp-status", role: "status" });
    const view = element("div", { class: "dlp-view" }, [map, mapCaption, units, lossPlot,
      element("p", { class: "dlp-losses" }, [element("span", { class: "dlp-key-train" }), "Training loss ", trainOut,
        element("span", { class: "dlp-key-test" }), "Test loss ", testOut]), status]);
    const container = element("div", { class: "dlp", role: "group", "aria-label": root.dataset.label || "Playground: a network learning to classify points" }, [buttons, view, controls]);
    root.replaceChildren(container);
    const offscreen = element("canvas", { width: String(GRID), height: String(GRID) });

    function buildWidthInputs() {
      widths.replaceChildren(...settings.hidden.map((w, i) => {
        const input = element("input", { id: `${id}-w${i}`, type: "number", min: "1", max: "8", step: "1", inputmode: "numeric" });
        input.value = w;
        input.addEventListener("change", () => {
          const width = clampInt(input, 1, 8);
          if (width !== settings.hidden[i]) { settings.hidden[i] = width; restart(); }
        });
        return labelled(input.id, `Units in layer ${i + 1}`, input);
      }));
    }

    function clampInt(input, lo, hi) {
      const v = Math.max(lo, Math.min(hi, Math.round(Number(input.value)) || lo));
      input.value = v;
      return v;
    }

    // --- training ----------------------------------------------------------------------
    function restart() {
      const data = makeData(settings.dataset, settings.noise, settings.ratio);
      const net = engine.createNetwork(settings.hidden, settings.activation, settings.seed);
      run = { data, net, epoch: 0, random: engine.randomGenerator(settings.seed + 0x9e3779b9),
              train: [], test: [], highest: 0, diverged: false };
      pinnedUnit = shownUnit = null;
      record();
      buildUnits();
      draw();
      announce();
    }

    function record() {
      const { data, net } = run;
      const train = engine.loss(net, data.Xtrain, data.ytrain, data.nTrain, settings.l2);
      const test = engine.loss(net, data.Xtest, data.ytest, data.nTest, settings.l2);
      run.train.push(train);
      run.test.push(test);
      for (const v of [train, test]) if (Number.isFinite(v) && v > run.highest) run.highest = v;
      if (!(train < DIVERGED)) {
        run.diverged = true;
        setPlaying(false);
      }
    }

    function trainEpoch() {
      if (run.diverged) return;
      engine.trainEpoch(run.net, run.data.Xtrain, run.data.ytrain, run.data.nTrain,
        { lr: settings.lr, batchSize: settings.batchSize, l2: settings.l2, random: run.random });
      run.epoch += 1;
      stats.epochs += 1;
      record();
    }

    function setPlaying(on) {
      const was = playing;
      playing = on && !run.diverged;
      play.textContent = playing ? "Pause" : "Play";
      play.setAttribute("aria-pressed", String(playing));
      if (playing && !was) {
        const mine = ++generation;
        owed = 0;
        lastFrame = null;
        requestAnimationFrame((t) => frame(t, mine));
      }
      if (!playing) announce();
    }

    let owed = 0, lastFrame = null, generation = 0;
    function frame(now, mine) {
      if (!playing || mine !== generation) return;  // paused, or a newer Play took over
      const start = performance.now();
      owed = Math.min(owed + (lastFrame === null ? 1 : ((now - lastFrame) / 1000) * STEPS_PER_SECOND),
        MAX_STEPS_PER_FRAME);
      lastFrame = now;
      for (; owed >= 1 && playing; owed -= 1) trainEpoch();
      // with reduced motion the picture changes twice a second instead of every frame
      if (!reducedMotion.matches || now - lastDraw > 500 || !playing) { draw(); lastDraw = now; }
      stats.frames += 1;
      stats.frameMs += performance.now() - start;
      if (playing) requestAnimationFrame((t) => frame(t, mine));
    }

    // --- drawing -----------------------------------------------------------------------
    function fmt(v) { return Number.isFinite(v) ? v.toFixed(3) : "not a number"; }

    function draw() {
      stats.draws += 1;
      const layersOut = engine.forward(run.net, GRID_POINTS, GRID * GRID);
      drawMap(layersOut);
      drawThumbnails(layersOut);
      drawLoss();
      epochOut.textContent = String(run.epoch);
      trainOut.textContent = fmt(run.train.at(-1));
      testOut.textContent = fmt(run.test.at(-1));
    }

    function paint(canvas, values, lo, hi) {  // values on the grid -> cividis pixels
      const ctx = offscreen.getContext("2d"), image = ctx.createImageData(GRID, GRID);
      const scale = 63 / (hi - lo || 1), pixels = image.data;
      for (let k = 0; k < GRID * GRID; k++) {
        const c = 4 * Math.max(0, Math.min(63, Math.round((values[k] - lo) * scale)));
        pixels[4 * k] = CIVIDIS[c]; pixels[4 * k + 1] = CIVIDIS[c + 1];
        pixels[4 * k + 2] = CIVIDIS[c + 2]; pixels[4 * k + 3] = 255;
      }
      ctx.putImageData(image, 0, 0);
      const target = canvas.getContext("2d");
      target.imageSmoothingEnabled = true;
      target.drawImage(offscreen, 0, 0, canvas.width, canvas.height);
    }

    function unitValues(layersOut, i, j) {
      const width = run.net.sizes[i], out = layersOut[i], values = new Float64Array(GRID * GRID);
      for (let k = 0; k < GRID * GRID; k++) values[k] = out[k * width + j];
      return values;
    }

    function range(values) {
      let lo = Infinity, hi = -Infinity;
      for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
      return [lo, hi];
    }

    function drawMap(layersOut) {
      const size = Math.round(map.clientWidth * (window.devicePixelRatio || 1)) || 320;
      if (map.width !== size) { map.width = size; map.height = size; }
      const unit = pinnedUnit || shownUnit;
      let label;
      if (unit) {
        const values = unitValues(layersOut, unit[0], unit[1]);
        paint(map, values, ...range(values));
        label = `Output of unit ${unit[1] + 1} of hidden layer ${unit[0]}, light where it is largest`;
      } else {
        const z = layersOut.at(-1), p = new Float64Array(GRID * GRID);
        for (let k = 0; k < GRID * GRID; k++) p[k] = 1 / (1 + Math.exp(z[2 * k] - z[2 * k + 1]));
        paint(map, p, 0, 1);
        label = "Predicted probability of class 1, light where it is high";
      }
      const ctx = map.getContext("2d"), scale = map.width / (2 * DOMAIN);
      const px = (x) => (x + DOMAIN) * scale, py = (y) => (DOMAIN - y) * scale;
      const r = Math.max(2.5, map.width / 110);
      const points = (X, y, n, test) => {
        for (let k = 0; k < n; k++) {
          const x = px(X[2 * k]), yy = py(X[2 * k + 1]);
          ctx.beginPath();
          if (y[k] === 1) { ctx.moveTo(x, yy - 1.3 * r); ctx.lineTo(x + 1.15 * r, yy + 0.75 * r); ctx.lineTo(x - 1.15 * r, yy + 0.75 * r); ctx.closePath(); }
          else ctx.arc(x, yy, r, 0, 2 * Math.PI);
          if (test) {  // hollow, a white edge under a black one: seen on any colour
            ctx.strokeStyle = "#fff"; ctx.lineWidth = 3; ctx.stroke();
            ctx.strokeStyle = "#000"; ctx.lineWidth = 1.4; ctx.stroke();
          } else {
            ctx.fillStyle = y[k] === 1 ? "#000" : "#fff"; ctx.fill();
            ctx.strokeStyle = y[k] === 1 ? "#fff" : "#000"; ctx.lineWidth = 0.8; ctx.stroke();
          }
        }
      };
      points(run.data.Xtrain, run.data.ytrain, run.data.nTrain, false);
      if (settings.showTest) points(run.data.Xtest, run.data.ytest, run.data.nTest, true);
      mapCaption.textContent = `${label}. Class 0: circles, class 1: triangles${settings.showTest ? "; test points hollow" : ""}.`;
      map.setAttribute("aria-label", `${label}, after ${run.epoch} epochs, on the ${settings.dataset} data.`);
    }

    function buildUnits() {
      units.replaceChildren(...settings.hidden.map((width, l) => element("div",
        { class: "dlp-layer", role: "group", "aria-label": `Hidden layer ${l + 1}` },
        [element("span", { class: "dlp-layer-name", text: `Layer ${l + 1}` }),
          ...Array.from({ length: width }, (_, j) => {
            const button = element("button", { type: "button", class: "dlp-unit", "aria-pressed": "false",
              "aria-label": `Show the output of unit ${j + 1} of hidden layer ${l + 1}` },
            [element("canvas", { width: String(GRID), height: String(GRID), "aria-hidden": "true" })]);
            const show = (on) => { shownUnit = on ? [l + 1, j] : null; if (!playing) draw(); };
            button.addEventListener("pointerenter", (e) => { if (e.pointerType === "mouse") show(true); });
            button.addEventListener("pointerleave", (e) => { if (e.pointerType === "mouse") show(false); });
            button.addEventListener("click", () => {
              const same = pinnedUnit && pinnedUnit[0] === l + 1 && pinnedUnit[1] === j;
              pinnedUnit = same ? null : [l + 1, j];
              units.querySelectorAll(".dlp-unit").forEach((b) => b.setAttribute("aria-pressed", "false"));
              button.setAttribute("aria-pressed", String(!same));
              if (!playing) draw();
            });
            return button;
          })])));
    }

    function drawThumbnails(layersOut) {
      units.querySelectorAll(".dlp-layer").forEach((layer, l) => {
        layer.querySelectorAll("canvas").forEach((canvas, j) => {
          const values = unitValues(layersOut, l + 1, j);
          paint(canvas, values, ...range(values));
        });
      });
    }

    function drawLoss() {
      const dpr = window.devicePixelRatio || 1;
      const w = Math.round(lossPlot.clientWidth * dpr) || 320, h = Math.round(90 * dpr);
      if (lossPlot.width !== w) { lossPlot.width = w; lossPlot.height = h; }
      const ctx = lossPlot.getContext("2d"), style = getComputedStyle(root);
      ctx.clearRect(0, 0, w, h);
      const top = Math.min(Math.max(run.highest, 1e-3), 10) * 1.05, n = Math.max(run.train.length - 1, 1);
      const every = Math.max(1, Math.floor(run.train.length / w));  // at most one point a pixel
      ctx.strokeStyle = style.getPropertyValue("--dlp-muted") || "#888";
      ctx.lineWidth = dpr;
      ctx.strokeRect(0.5, 0.5, w - 1, h - 1);
      [[run.train, []], [run.test, [5 * dpr, 4 * dpr]]].forEach(([values, dash]) => {
        ctx.beginPath();
        ctx.setLineDash(dash);
        const point = (k) => {
          const v = Number.isFinite(values[k]) ? Math.min(values[k], top) : top;
          return [(k / n) * (w - 2 * dpr) + dpr, h - (v / top) * (h - 4 * dpr) - 2 * dpr];
        };
        ctx.moveTo(...point(0));
        for (let k = every; k < values.length; k += every) ctx.lineTo(...point(k));
        ctx.lineTo(...point(values.length - 1));
        ctx.strokeStyle = style.getPropertyValue("--dlp-ink") || "#222";
        ctx.lineWidth = 1.5 * dpr;
        ctx.stroke();
      });
      ctx.setLineDash([]);
      lossPlot.setAttribute("aria-label", `Loss curves over ${run.epoch} epochs: training loss (solid) ${fmt(run.train.at(-1))}, test loss (dashed) ${fmt(run.test.at(-1))}.`);
    }

    function announce() {
      status.textContent = run.diverged
        ? `Epoch ${run.epoch}: the loss is ${fmt(run.train.at(-1))}. Training diverged; lower the learning rate.`
        : `Epoch ${run.epoch}. Training loss ${fmt(run.train.at(-1))}, test loss ${fmt(run.test.at(-1))}.`;
      root.classList.toggle("dlp-diverged", run.diverged);
    }

    // --- wiring ------------------------------------------------------------------------
    const outputs = () => {
      noiseOut.textContent = Number(noise.value).toFixed(2);
      ratioOut.textContent = `${Math.round(100 * ratio.value)}%`;
      batchOut.textContent = batch.value;
    };
    // a control that fires again without a new value (a change event on blur) keeps the run
    const on = (control, event, update) => control.addEventListener(event, () => {
      const before = JSON.stringify(settings);
      update();
      outputs();
      if (JSON.stringify(settings) !== before) restart();
    });
    on(dataset, "change", () => { settings.dataset = dataset.value; });
    on(noise, "input", () => { settings.noise = Number(noise.value); });
    on(ratio, "input", () => { settings.ratio = Number(ratio.value); });
    showTest.addEventListener("change", () => { settings.showTest = showTest.checked; draw(); });
    on(layers, "change", () => {
      const count = clampInt(layers, 0, 4);
      if (count === settings.hidden.length) return;
      settings.hidden = Array.from({ length: count }, (_, i) => settings.hidden[i] || 4);
      buildWidthInputs();
    });
    on(activation, "change", () => { settings.activation = activation.value; });
    on(lr, "change", () => { settings.lr = Number(lr.value); });
    on(batch, "input", () => { settings.batchSize = Number(batch.value); });
    on(l2, "change", () => { settings.l2 = Number(l2.value); });
    on(seed, "change", () => { settings.seed = clampInt(seed, 0, 9999); });
    play.addEventListener("click", () => setPlaying(!playing));
    step.addEventListener("click", () => { setPlaying(false); trainEpoch(); draw(); announce(); });
    reset.addEventListener("click", () => { setPlaying(false); restart(); });
    window.addEventListener("resize", () => { if (!playing) draw(); });

    buildWidthInputs();
    outputs();
    restart();
    root.dlPlayground = {  // for the book's tests and benchmark
      settings, stats,
      get epoch() { return run.epoch; },
      get playing() { return playing; },
      get diverged() { return run.diverged; },
      history: () => ({ train: run.train.slice(), test: run.test.slice() }),
      probability: (x, y) => engine.probabilities(run.net, Float64Array.of(x, y), 1)[0],
      train(epochs) {  // as many presses of Step, drawn once at the end
        setPlaying(false);
        for (let e = 0; e < epochs && !run.diverged; e++) trainEpoch();
        draw();
        announce();
      },
    };
  }

  function start() { document.querySelectorAll(".dl-playground").forEach(Playground); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}());
