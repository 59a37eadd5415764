// The network diagram: feature toggles, hidden layers of neuron thumbnails, the output neuron, and the SVG
// links between them (colour by sign, width by |w|).  Built once per network shape, then updated in place on
// every frame, so playing costs canvas draws and attribute writes, never a rebuild.

import { CLASS_COLOURS, colour, drawGrid, featureGrid, fmt } from "./view.js";

export const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)", "cos(x1)", "cos(x2)"];
// TF Playground keeps cos(X1), cos(X2) in its URL (cosX, cosY) but not in its UI: shown only while selected.
const URL_ONLY = new Set(["cos(x1)", "cos(x2)"]);
const FEATURE_LABELS = { "x1": "X<sub>1</sub>", "x2": "X<sub>2</sub>", "x1^2": "X<sub>1</sub><sup>2</sup>",
  "x2^2": "X<sub>2</sub><sup>2</sup>", "x1*x2": "X<sub>1</sub>X<sub>2</sub>", "sin(x1)": "sin(X<sub>1</sub>)",
  "sin(x2)": "sin(X<sub>2</sub>)", "cos(x1)": "cos(X<sub>1</sub>)", "cos(x2)": "cos(X<sub>2</sub>)" };
// Test ids without the characters a CSS selector would need to escape.
export const FEATURE_IDS = { "x1": "x1", "x2": "x2", "x1^2": "x1sq", "x2^2": "x2sq", "x1*x2": "x1x2",
  "sin(x1)": "sinx1", "sin(x2)": "sinx2", "cos(x1)": "cosx1", "cos(x2)": "cosx2" };
// TF Playground's URL names of the inputs (also the classroom *_hide keys).
export const FEATURE_KEYS = { "x1": "x", "x2": "y", "x1^2": "xSquared", "x2^2": "ySquared", "x1*x2": "xTimesY",
  "sin(x1)": "sinX", "sin(x2)": "sinY", "cos(x1)": "cosX", "cos(x2)": "cosY" };
const ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear"];
const DROPOUTS = [0, 0.1, 0.2, 0.3, 0.5];

function el(tag, attrs = {}, html = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (html) e.innerHTML = html;
  return e;
}

export class NetworkView {
  /**
   * @param {object} hooks  toggleFeature(name), changeLayers(hidden), focus(layer, neuron|null),
   *                        editWeight(layer, from, to, value), editBias(layer, neuron, value)
   */
  constructor(root, svg, hover, editCard, hooks) {
    this.root = root;
    this.svg = svg;
    this.hover = hover;
    this.editCard = editCard;
    this.hooks = hooks;
    this.shapeKey = "";
    this.thumbs = [];   // per column (inputs, hidden..., output): canvases of the neurons in use
    this.biasBoxes = [];  // per weight layer: the bias squares of its neurons
    this.links = [];    // per weight layer: [from][to] -> SVG path
    window.addEventListener("resize", () => this.layoutLinks());
  }

  /**
   * Builds the diagram when the network's shape changed (a state), keeping it when only values did.
   * `columns`: an upload's feature columns when there are more than two (the inputs are then the columns, and
   * the crosses are shown disabled), else null.
   */
  setConfig(config, limits, classes = [], columns = null) {
    this.config = config;
    this.limits = limits;
    this.classes = classes.length > 2 ? classes : null;  // a softmax output has one neuron per class
    this.columns = columns && columns.length > 2 ? columns : null;
    const key = JSON.stringify([config.features, config.hidden, config.activation, this.classes, this.columns]);
    if (key === this.shapeKey) return;
    this.shapeKey = key;
    this.build();
  }

  build() {
    const { config } = this;
    const layersBox = this.root.querySelector("#layers");
    layersBox.innerHTML = "";
    this.thumbs = [];
    this.biasBoxes = [];

    // Inputs: all seven, clickable; the ones in use are bright and take part in the network.
    const inputs = el("div", { class: "layer inputs" });
    inputs.appendChild(el("div", { class: "layer-title" }, "Inputs"));
    const inputThumbs = [];
    if (this.columns) this.buildColumns(inputs, inputThumbs);
    else for (const name of FEATURES) {
      const on = config.features.includes(name);
      if (URL_ONLY.has(name) && !on) continue;
      const row = el("div", { class: `feature ${on ? "on" : "off"}`, "data-feature": name,
        "data-testid": `feature-${FEATURE_IDS[name]}`, "data-hide": FEATURE_KEYS[name], title: `${name}: click to ${on ? "remove" : "add"}` });
      row.appendChild(el("span", { class: "feature-label" }, FEATURE_LABELS[name]));
      const canvas = el("canvas", { class: "thumb", width: 30, height: 30 });
      row.appendChild(canvas);
      drawGrid(canvas, featureGrid(name));
      row.addEventListener("click", () => this.hooks.toggleFeature(name));
      if (on) {
        const index = config.features.indexOf(name);
        inputThumbs[index] = canvas;
        canvas.addEventListener("mouseenter", () => this.hooks.focus(-1, index));
        canvas.addEventListener("mouseleave", () => this.hooks.focus(-1, null));
      }
      inputs.appendChild(row);
    }
    this.thumbs.push(inputThumbs);
    layersBox.appendChild(inputs);

    // Hidden layers: +/- neurons, activation and dropout per layer, then the neurons.
    config.hidden.forEach((layer, li) => {
      const box = el("div", { class: "layer hidden-layer", "data-testid": `layer-${li}` });
      const head = el("div", { class: "layer-head" });
      const plus = el("button", { class: "round tiny", "data-testid": `add-neuron-${li}`, title: "Add a neuron" }, "+");
      const minus = el("button", { class: "round tiny", "data-testid": `remove-neuron-${li}`, title: "Remove a neuron" }, "&minus;");
      plus.disabled = layer.units >= this.limits.max_neurons;
      minus.disabled = layer.units <= 1;
      plus.addEventListener("click", () => this.changeUnits(li, 1));
      minus.addEventListener("click", () => this.changeUnits(li, -1));
      head.append(plus, minus);
      box.appendChild(head);
      box.appendChild(el("div", { class: "layer-title" }, `${layer.units} neuron${layer.units > 1 ? "s" : ""}`));
      const act = el("select", { class: "layer-select", "data-testid": `layer-activation-${li}`, title: "This layer's activation" });
      for (const a of ACTIVATIONS) act.appendChild(el("option", { value: a }, a));
      act.value = layer.activation;
      act.addEventListener("change", () => this.changeLayer(li, { activation: act.value }));
      const drop = el("select", { class: "layer-select", "data-testid": `layer-dropout-${li}`, title: "Dropout rate" });
      const rates = DROPOUTS.includes(layer.dropout) ? DROPOUTS : [...DROPOUTS, layer.dropout];
      for (const d of rates) drop.appendChild(el("option", { value: d }, d ? `drop ${d}` : "no dropout"));
      drop.value = String(layer.dropout);
      drop.addEventListener("change", () => this.changeLayer(li, { dropout: Number(drop.value) }));
      box.append(act, drop);
      const canvases = [];
      const biases = [];
      for (let n = 0; n < layer.units; n++) {
        const neuron = el("div", { class: "neuron", "data-testid": `neuron-${li}-${n}` });
        const canvas = el("canvas", { class: "thumb", width: 30, height: 30 });
        canvas.addEventListener("mouseenter", () => this.hooks.focus(li, n));
        canvas.addEventListener("mouseleave", () => this.hooks.focus(li, null));
        const bias = el("div", { class: "bias", "data-testid": `bias-${li}-${n}`, title: "bias" });
        this.bindEdit(bias, () => `Bias is ${fmt(this.bias(li, n))}`, () => this.bias(li, n),
          (v) => this.hooks.editBias(li, n, v));
        neuron.append(canvas, bias);
        box.appendChild(neuron);
        canvases.push(canvas);
        biases.push(bias);
      }
      this.thumbs.push(canvases);
      this.biasBoxes.push(biases);
      layersBox.appendChild(box);
    });

    // The output: one neuron whose map is the big heatmap, or one per class (softmax), coloured by its class.
    const out = el("div", { class: "layer output-layer" });
    out.appendChild(el("div", { class: "layer-title" }, "Output"));
    const L = config.hidden.length;
    const outCanvases = [];
    const outBiases = [];
    (this.classes || [null]).forEach((label, k) => {
      const neuron = el("div", { class: "neuron", "data-testid": this.classes ? `neuron-output-${k}` : "neuron-output" });
      const canvas = el("canvas", { class: "thumb", width: 30, height: 30 });
      if (this.classes) {
        const ctx = canvas.getContext("2d");
        ctx.fillStyle = CLASS_COLOURS[k % CLASS_COLOURS.length];
        ctx.fillRect(0, 0, 30, 30);
        neuron.title = `class ${label}`;
      }
      const bias = el("div", { class: "bias", "data-testid": this.classes ? `bias-output-${k}` : "bias-output", title: "bias" });
      this.bindEdit(bias, () => `Bias is ${fmt(this.bias(L, k))}`, () => this.bias(L, k), (v) => this.hooks.editBias(L, k, v));
      neuron.append(canvas, bias);
      out.appendChild(neuron);
      outCanvases.push(canvas);
      outBiases.push(bias);
    });
    this.thumbs.push(outCanvases);
    this.biasBoxes.push(outBiases);
    layersBox.appendChild(out);

    document.getElementById("layer-count").textContent = String(L);
    this.buildLinks();
    requestAnimationFrame(() => this.layoutLinks());
  }

  /** The inputs of an upload with more than two feature columns: one row per column, the crosses disabled. */
  buildColumns(inputs, inputThumbs) {
    this.columns.forEach((name, index) => {
      const row = el("div", { class: "feature on column", "data-testid": `column-${index}`,
        title: `${name}: column ${index + 1} of your CSV${index > 1 ? " (held at its mean on the map)" : ""}` });
      const label = el("span", { class: "feature-label" });
      label.textContent = name;
      row.appendChild(label);
      const canvas = el("canvas", { class: "thumb", width: 30, height: 30 });
      row.appendChild(canvas);
      canvas.addEventListener("mouseenter", () => this.hooks.focus(-1, index));
      canvas.addEventListener("mouseleave", () => this.hooks.focus(-1, null));
      inputThumbs[index] = canvas;
      inputs.appendChild(row);
    });
    const off = el("div", { class: "crosses-off", "data-testid": "crosses-off" });
    for (const name of FEATURES.filter((n) => !URL_ONLY.has(n))) {
      off.appendChild(el("button", { class: "cross-chip", disabled: "", "data-testid": `feature-${FEATURE_IDS[name]}`,
        title: "Feature crosses need two columns" }, FEATURE_LABELS[name]));
    }
    off.appendChild(el("div", { class: "note", "data-testid": "crosses-note" },
      `Feature crosses need two columns; this file has ${this.columns.length}, so the network takes them as they are.`));
    inputs.appendChild(off);
  }

  changeUnits(li, delta) {
    const hidden = structuredClone(this.config.hidden);
    hidden[li].units = Math.max(1, Math.min(this.limits.max_neurons, hidden[li].units + delta));
    this.hooks.changeLayers(hidden);
  }

  changeLayer(li, fields) {
    const hidden = structuredClone(this.config.hidden);
    Object.assign(hidden[li], fields);
    this.hooks.changeLayers(hidden);
  }

  buildLinks() {
    this.svg.innerHTML = "";
    this.links = [];
    const sizes = this.thumbs.map((c) => c.length);
    for (let l = 0; l + 1 < sizes.length; l++) {
      const layer = [];
      for (let f = 0; f < sizes[l]; f++) {
        const row = [];
        for (let t = 0; t < sizes[l + 1]; t++) {
          const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
          path.setAttribute("class", "link");
          path.setAttribute("data-testid", `link-${l}-${f}-${t}`);
          this.bindEdit(path, () => `Weight is ${fmt(this.weight(l, f, t))}`, () => this.weight(l, f, t),
            (v) => this.hooks.editWeight(l, f, t, v));
          this.svg.appendChild(path);
          row.push(path);
        }
        layer.push(row);
      }
      this.links.push(layer);
    }
  }

  /** Places the links between the neurons' current positions (after a build or a resize). */
  layoutLinks() {
    const box = this.root.getBoundingClientRect();
    this.svg.setAttribute("width", box.width);
    this.svg.setAttribute("height", box.height);
    const centre = (canvas, side) => {
      const r = canvas.getBoundingClientRect();
      return [side ? r.left - box.left : r.right - box.left, r.top - box.top + r.height / 2];
    };
    this.links.forEach((layer, l) => layer.forEach((row, f) => row.forEach((path, t) => {
      const a = this.thumbs[l][f];
      const b = this.thumbs[l + 1][t];
      if (!a || !b) return;
      const [x1, y1] = centre(a, false);
      const [x2, y2] = centre(b, true);
      const mx = (x1 + x2) / 2;
      path.setAttribute("d", `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`);
    })));
  }

  weight(l, f, t) { return this.frame?.weights?.[l]?.[f]?.[t]; }
  bias(l, n) { return this.frame?.biases?.[l]?.[n]; }

  /** Updates thumbnails, link colours and widths, bias squares from a frame. */
  update(frame, heatmap) {
    this.frame = frame;
    const neurons = frame.neurons || [];
    this.thumbs.forEach((canvases, col) => canvases.forEach((canvas, i) => {
      const grid = neurons[col]?.[i];
      if (grid) drawGrid(canvas, grid);
      else if (col === this.thumbs.length - 1 && heatmap && !this.classes) drawGrid(canvas, heatmap);
    }));
    const offset = String(-frame.epoch / 3);
    // L1's dead links (TF Playground's isDead): frozen at 0, drawn grey and sparsely dashed.
    const dead = new Set((frame.dead || []).flatMap((pairs, l) => pairs.map(([f, t]) => `${l}-${f}-${t}`)));
    (frame.weights || []).forEach((layer, l) => layer.forEach((row, f) => row.forEach((w, t) => {
      const path = this.links[l]?.[f]?.[t];
      if (!path) return;
      path.classList.toggle("dead", dead.has(`${l}-${f}-${t}`));
      path.style.strokeDashoffset = offset;
      path.style.stroke = colour(w);
      // TF Playground's width: |w| mapped [0, 5] -> [1, 10] px, clamped.
      path.style.strokeWidth = String(1 + Math.min(Math.abs(w), 5) * 1.8);
    })));
    (frame.biases || []).forEach((layer, l) => layer.forEach((b, n) => {
      const box = this.biasBoxes[l]?.[n];
      if (box) box.style.background = colour(b);
    }));
  }

  /** Hover shows the value; a click opens an inline editor (Enter sets it, Escape cancels). */
  bindEdit(target, label, value, set) {
    target.addEventListener("mouseenter", (e) => {
      this.hover.textContent = label();
      this.hover.hidden = false;
      this.place(this.hover, e);
    });
    target.addEventListener("mouseleave", () => { this.hover.hidden = true; });
    target.addEventListener("click", (e) => {
      e.stopPropagation();
      const card = this.editCard;
      const input = card.querySelector("input");
      card.querySelector("label").textContent = label().split(" is ")[0];
      input.value = Number.isFinite(value()) ? value().toFixed(3) : "0";
      card.hidden = false;
      this.place(card, e);
      input.focus();
      input.select();
      input.onkeydown = (k) => {
        if (k.key === "Enter") {
          const v = Number(input.value);
          if (Number.isFinite(v)) set(v);
          card.hidden = true;
        } else if (k.key === "Escape") card.hidden = true;
      };
      input.onblur = () => { card.hidden = true; };
    });
  }

  place(card, event) {
    const box = this.root.parentElement.getBoundingClientRect();
    card.style.left = `${event.clientX - box.left + 10}px`;
    card.style.top = `${event.clientY - box.top + 10}px`;
  }
}
