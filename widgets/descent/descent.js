/* Gradient descent on a quadratic loss surface with a learning-rate slider: every
 * <div class="dl-descent"> of the page (written by dlbook.widgets.descent_widget).
 *
 * The surface is L(θ) = L* + ½ (θ - θ*)ᵀ H (θ - θ*), θ = (w, b), so its gradient is
 * H (θ - θ*) and one step is θ ← θ - η H (θ - θ*). Along an eigenvector of H with
 * eigenvalue λ a step multiplies the distance to θ* by (1 - ηλ): the walk converges
 * when η < 2/λ_max, crosses the valley at every step when η > 1/λ_max, and diverges
 * when η > 2/λ_max. */
(function () {
  "use strict";
  const DIVERGED = 1e6;
  const numbers = (text) => text.split(",").map(Number);

  function element(tag, attributes = {}, children = []) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (key === "text") el.textContent = value; else el.setAttribute(key, value);
    }
    children.forEach((child) => el.append(child));
    return el;
  }

  /* The eigenvalues (ascending) and unit eigenvectors of a symmetric 2 x 2 matrix. */
  function eigen([a, b, , d]) {
    const mean = (a + d) / 2, radius = Math.hypot((a - d) / 2, b);
    return [mean - radius, mean + radius].map((lambda) => {
      const v = Math.abs(b) > 1e-12 ? [b, lambda - a] : (lambda === a ? [1, 0] : [0, 1]);
      const norm = Math.hypot(...v);
      return { lambda, v: [v[0] / norm, v[1] / norm] };
    });
  }

  let counter = 0;

  function Descent(root) {
    const o = root.dataset, id = `dlgd${counter++}`;
    const H = numbers(o.hessian), thetaStar = numbers(o.minimum), minLoss = Number(o.minLoss);
    const start = numbers(o.start), numSteps = Number(o.steps), levels = numbers(o.levels);
    const [x0, x1] = numbers(o.xlim), [y0, y1] = numbers(o.ylim);
    const [lrLow, lrHigh] = numbers(o.lrRange);
    const [floor, walls] = eigen(H), lrMax = 2 / walls.lambda;

    const loss = ([w, b]) => {
      const dw = w - thetaStar[0], db = b - thetaStar[1];
      return minLoss + 0.5 * (H[0] * dw * dw + 2 * H[1] * dw * db + H[3] * db * db);
    };
    function path(lr) {  // θ_0 ... θ_numSteps, cut short if the walk runs away
      const points = [start.slice()];
      for (let t = 0; t < numSteps; t++) {
        const [w, b] = points[t], dw = w - thetaStar[0], db = b - thetaStar[1];
        const next = [w - lr * (H[0] * dw + H[1] * db), b - lr * (H[2] * dw + H[3] * db)];
        points.push(next);
        if (!(Math.hypot(...next) < DIVERGED)) break;
      }
      return points;
    }

    const slider = element("input", { id: `${id}-lr`, type: "range", min: String(lrLow),
      max: String(lrHigh), step: o.lrStep, "aria-describedby": `${id}-readout` });
    slider.value = o.lr;
    const value = element("output", { for: slider.id });
    const readout = element("p", { id: `${id}-readout`, class: "dlgd-readout", "aria-live": "polite" });
    const plot = element("canvas", { class: "dlgd-plot", role: "img", width: "600", height: "500" });
    root.replaceChildren(element("div", { class: "dlgd", role: "group",
      "aria-label": "Gradient descent on the line-fit loss surface" }, [
      element("div", { class: "dlgd-controls" }, [
        element("label", { for: slider.id, text: "Learning rate η" }), slider, value]),
      readout, element("div", { class: "dlgd-view" }, [plot])]));

    function verdict(lr) {
      const across = 1 - lr * walls.lambda;
      if (Math.abs(across) > 1) return "diverges: every step lands higher up the opposite wall";
      if (Math.abs(across) === 1) return "oscillates between the two walls for ever";
      if (across < 0) return "converges, zig-zagging across the valley floor";
      return "converges without crossing the valley floor";
    }

    function draw() {
      const lr = Number(slider.value), points = path(lr), last = points.at(-1);
      const ran = points.length <= numSteps;
      value.textContent = lr.toFixed(2);
      const finalLoss = ran ? "more than a million" : loss(last).toPrecision(3);
      readout.textContent = `η = ${lr.toFixed(2)}, against 2/λ_max = ${lrMax.toFixed(3)}: the walk ${verdict(lr)}. ` +
        (ran ? `It left the surface after ${points.length - 1} steps.`
          : `Loss after ${numSteps} steps: ${finalLoss} (lowest possible ${minLoss.toFixed(3)}).`);
      root.dataset.verdict = Math.abs(1 - lr * walls.lambda) > 1 ? "diverges"
        : (1 - lr * walls.lambda < 0 ? "oscillates" : "converges");
      root.dataset.finalLoss = ran ? "Infinity" : String(loss(last));

      const dpr = window.devicePixelRatio || 1;
      const width = Math.round((plot.clientWidth || 600) * dpr), height = Math.round(width * 5 / 6);
      if (plot.width !== width) { plot.width = width; plot.height = height; }
      const ctx = plot.getContext("2d"), style = getComputedStyle(root);
      const ink = style.getPropertyValue("--dlp-ink").trim() || "#222";
      const muted = style.getPropertyValue("--dlp-muted").trim() || "#777";
      const left = 44 * dpr, bottom = 36 * dpr, right = 8 * dpr, top = 8 * dpr;
      const px = (w) => left + ((w - x0) / (x1 - x0)) * (width - left - right);
      const py = (b) => height - bottom - ((b - y0) / (y1 - y0)) * (height - top - bottom);
      ctx.clearRect(0, 0, width, height);
      ctx.font = `${12 * dpr}px sans-serif`;
      ctx.fillStyle = ink;
      ctx.strokeStyle = muted;
      ctx.lineWidth = dpr;
      ctx.strokeRect(left, top, width - left - right, height - top - bottom);
      ctx.textAlign = "center";
      for (let w = Math.ceil(x0); w <= x1; w++) ctx.fillText(String(w), px(w), height - bottom + 15 * dpr);
      ctx.fillText("slope w", (left + width) / 2, height - 4 * dpr);
      ctx.textAlign = "right";
      for (let b = Math.ceil(y0); b <= y1; b++) ctx.fillText(String(b), left - 5 * dpr, py(b) + 4 * dpr);
      ctx.save();
      ctx.translate(12 * dpr, (top + height - bottom) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = "center";
      ctx.fillText("intercept b", 0, 0);
      ctx.restore();

      ctx.save();
      ctx.beginPath();
      ctx.rect(left, top, width - left - right, height - top - bottom);
      ctx.clip();
      ctx.strokeStyle = muted;
      for (const c of levels) {  // the ellipse L(θ) = c
        if (c <= minLoss) continue;
        ctx.beginPath();
        for (let k = 0; k <= 96; k++) {
          const t = (2 * Math.PI * k) / 96;
          const r0 = Math.sqrt((2 * (c - minLoss)) / floor.lambda) * Math.cos(t);
          const r1 = Math.sqrt((2 * (c - minLoss)) / walls.lambda) * Math.sin(t);
          const w = thetaStar[0] + r0 * floor.v[0] + r1 * walls.v[0];
          const b = thetaStar[1] + r0 * floor.v[1] + r1 * walls.v[1];
          if (k === 0) ctx.moveTo(px(w), py(b)); else ctx.lineTo(px(w), py(b));
        }
        ctx.stroke();
      }
      ctx.strokeStyle = ink;
      ctx.fillStyle = ink;
      ctx.lineWidth = 1.5 * dpr;
      ctx.beginPath();
      points.forEach(([w, b], k) => (k === 0 ? ctx.moveTo(px(w), py(b)) : ctx.lineTo(px(w), py(b))));
      ctx.stroke();
      for (const [w, b] of points) {
        ctx.beginPath();
        ctx.arc(px(w), py(b), 2.5 * dpr, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.restore();
      const [sw, sb] = [px(thetaStar[0]), py(thetaStar[1])];  // the minimum: a star
      ctx.beginPath();
      for (let k = 0; k < 10; k++) {
        const r = (k % 2 ? 4 : 10) * dpr, a = -Math.PI / 2 + (k * Math.PI) / 5;
        ctx.lineTo(sw + r * Math.cos(a), sb + r * Math.sin(a));
      }
      ctx.closePath();
      ctx.fill();
      plot.setAttribute("aria-label", `Contour lines of the loss over slope w and intercept b, ` +
        `with the path of ${points.length - 1} steps of gradient descent from w = ${start[0]}, ` +
        `b = ${start[1]} at learning rate ${lr.toFixed(2)}: the walk ${verdict(lr)}.`);
    }

    slider.addEventListener("input", draw);
    window.addEventListener("resize", draw);
    draw();
  }

  function start() { document.querySelectorAll(".dl-descent").forEach(Descent); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}());
