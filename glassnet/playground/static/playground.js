// The glassnet playground's page: it holds no model.  It sends what the user changes to the server over one
// websocket (docs/playground-protocol.md) and draws the frames the server sends back.

import { DigitView } from "./digit.js";
import { Guide, TUTORIALS } from "./guide.js";
import { FEATURE_KEYS, NetworkView } from "./network.js";
import { colour, drawGrid, drawPoints, epochText, fmt, LossChart } from "./view.js";

const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const DATASETS = [["circle", "Circle"], ["xor", "Exclusive or"], ["gauss", "Gaussian"], ["spiral", "Spiral"],
  ["plane", "Plane (regression)"], ["multi_gauss", "Multi gaussian (regression)"]];
const REGRESSION = new Set(["plane", "multi_gauss"]);
const PLAY_ICON = '<svg viewBox="0 0 24 24" width="26" height="26"><path d="M8 5v14l11-7z" fill="currentColor"/></svg>';
const PAUSE_ICON = '<svg viewBox="0 0 24 24" width="26" height="26"><path d="M6 5h4v14H6zM14 5h4v14h-4z" fill="currentColor"/></svg>';
const $ = (id) => document.getElementById(id);

// What tests and the frame-rate script read: counters and the last messages.
const stats = { framesReceived: 0, framesDrawn: 0, drawMs: 0, errors: [], state: null, frame: null, exports: [],
  digit: null, connected: false };
window.playground = stats;

let socket = null;
let config = null;
let limits = { max_layers: 6, max_neurons: 8, max_batch_size: 30 };
let state = null;
let playing = false;
let pendingFrame = null;
let focused = null;
let hidden = new Set();   // classroom: the *_hide keys of the URL
let tutorial = null;      // tutorial=NAME in the URL opens the guided mode
let firstConfig = true;

const chart = new LossChart($("loss-chart"), $("chart-tip"));
const network = new NetworkView($("network"), $("links"), $("hover-card"), $("edit-card"), {
  toggleFeature(name) {
    const on = config.features.includes(name);
    if (on && config.features.length === 1) return banner("At least one input feature must stay selected.");
    change({ features: on ? config.features.filter((f) => f !== name) : [...config.features, name] });
  },
  changeLayers(layers) { change({ hidden: layers }); },
  focus(layer, neuron) {
    const key = neuron === null ? null : `${layer}:${neuron}`;
    if (key === focused) return;
    focused = key;
    send({ type: "focus", layer, neuron });
  },
  editWeight(layer, from, to, value) { send({ type: "set_weight", layer, from, to, value }); },
  editBias(layer, neuron, value) { send({ type: "set_bias", layer, neuron, value }); },
});
const guide = new Guide($("guide"), (partial) => { pause(); change(partial); });
const digit = new DigitView($("digit-view"), (m) => send(m));

// -- the socket -------------------------------------------------------------------------------------------

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.onopen = () => {
    stats.connected = true;
    hideBanner();
    send({ type: "config", config: configFromHash(location.hash) });
  };
  socket.onmessage = (event) => receive(JSON.parse(event.data));
  socket.onclose = () => {
    stats.connected = false;
    setPlaying(false);
    banner("Disconnected from the glassnet server. Is `glassnet playground` still running? Reload to reconnect.", false);
  };
}

// Messages sent so far, and how many had been sent with the last `play`: every frame says how many the
// server had received when it made it (`messages_seen`), so a frame answering an earlier message (a config
// edit just before Run, say) is not taken for the server stopping.
let messagesSent = 0;
let playSentAt = 0;

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(message));
    messagesSent++;
  }
}

// Config edits the server has not answered yet, oldest first.  Each edit is applied to the local config
// at once, so a second quick edit (two selects changed in a row) builds on the first instead of on the
// server's older copy, which would silently undo the first.  A `state` or an error answers the oldest.
const unanswered = [];

function change(partial) {
  unanswered.push(partial);
  if (config) Object.assign(config, structuredClone(partial));
  send({ type: "config", config: partial });
}

function receive(message) {
  switch (message.type) {
    case "state":
      unanswered.shift();
      return onState(message);
    case "frame":
      stats.framesReceived++;
      stats.frame = message;
      pendingFrame = message;  // drawn on the next animation frame; a newer one replaces it
      if (!message.playing && message.messages_seen >= playSentAt) setPlaying(false);
      return;
    case "export": return onExport(message);
    case "digit": stats.digit = message; return digit.show(message);
    case "error": return onError(message);
    default: return undefined;
  }
}

function onError(message) {
  stats.errors.push(message);
  if (message.in_reply_to === "config") unanswered.shift();
  if (message.in_reply_to === "upload_csv") {
    $("csv-error").textContent = message.message;
    $("csv-error").hidden = false;
    return;
  }
  if (message.in_reply_to === "config" && firstConfig) {
    // A URL hash the server refuses: say why, and start from the defaults rather than from nothing.
    firstConfig = false;
    change({});
  }
  banner(message.message);
}

// -- state: the config, the data, the network's shape ------------------------------------------------------

function onState(message) {
  firstConfig = false;
  state = message;
  stats.state = message;
  config = structuredClone(message.config);  // a copy: unanswered edits are applied to it, not to the state
  for (const partial of unanswered) Object.assign(config, structuredClone(partial));  // still on their way
  limits = { ...limits, ...message.limits };
  network.setConfig(config, limits, message.classes || [], message.crosses === false ? message.features : null);
  // The -1..+1 legend says nothing about several classes (their colours are the points').
  document.querySelector(".legend").hidden = (message.classes || []).length > 2;
  chart.clear();
  syncControls();
  drawData();
  writeHash();
  if (config.dataset === "upload") {
    $("csv-error").hidden = true;
    $("csv-info").textContent = `${message.n_train} training and ${message.n_test} test points` +
      (message.classes && message.classes.length > 2 ? `, ${message.classes.length} classes` : "");
  } else $("csv-info").textContent = "";
  const slice = message.slice || null;
  $("slice-note").hidden = !slice;
  $("slice-note").textContent = slice ? `A slice: ${slice.note}.` : "";
  $("table-view").hidden = !slice;
  tableKey = "";
  applyHide();
}

function syncControls() {
  fillSelect($("learning-rate"), LEARNING_RATES, config.learning_rate);
  fillSelect($("reg-rate"), REG_RATES, config.regularization_rate);
  $("activation").value = config.activation;
  $("regularization").value = config.regularization;
  $("problem").value = config.problem;
  $("optimizer").value = config.optimizer;
  $("loss").value = config.loss;
  for (const [id, field] of [["ratio", "train_ratio"], ["noise", "noise"], ["batch-size", "batch_size"]]) {
    $(id).value = config[field];
    $(`${id}-value`).textContent = String(config[field]);
  }
  $("batch-size").max = String(limits.max_batch_size || 30);
  $("show-test").checked = config.show_test_data;
  $("discretize").checked = config.discretize;
  $("stop-loss").value = config.stop_test_loss === null ? "" : String(config.stop_test_loss);
  document.querySelectorAll(".dataset").forEach((b) => b.classList.toggle("selected", b.dataset.name === config.dataset));
  $("add-layer").disabled = config.hidden.length >= limits.max_layers;
  $("remove-layer").disabled = config.hidden.length === 0;
  $("loss").querySelector('option[value="crossentropy"]').disabled = config.problem === "regression";
}

function fillSelect(select, values, current) {
  const all = values.includes(current) ? values : [...values, current].sort((a, b) => a - b);
  if (select.options.length !== all.length) {
    select.innerHTML = all.map((v) => `<option value="${v}">${v}</option>`).join("");
  }
  select.value = String(current);
}

function drawData() {
  if (!state) return;
  const regression = config.problem === "regression";
  drawPoints($("points"), state.points.train, config.show_test_data ? state.points.test : null,
    { classes: state.classes, regression });
}

// -- frames -------------------------------------------------------------------------------------------------

function drawFrame(frame) {
  if (!config) return;
  // Several classes: the output map is the predicted class, in the points' colours (a hovered neuron's map is not).
  const classes = state?.classes?.length > 2 && focused === null ? state.classes.length : 0;
  drawGrid($("heatmap"), frame.heatmap, { discretize: config.discretize, alpha: 200, categories: classes });
  network.update(frame, frame.heatmap);
  $("epoch").textContent = epochText(frame.epoch);
  $("train-loss").textContent = fmt(frame.train_loss);
  $("test-loss").textContent = fmt(frame.test_loss);
  const pct = (a) => (a === null || a === undefined ? "\u2013" : `${(100 * a).toFixed(1)}%`);
  $("train-accuracy").textContent = pct(frame.train_accuracy);
  $("test-accuracy").textContent = pct(frame.test_accuracy);
  showRegressionMeasures(frame);
  drawTable(frame.table);
  drawConfusion(frame.confusion);
  $("stopped").textContent = frame.stopped || "";
  if (frame.epoch === 0) chart.clear();
  chart.add(frame.epoch, frame.train_loss, frame.test_loss);
  chart.draw();
  $("status").textContent = frame.nan ? "The network diverged (NaN): lower the learning rate and reset." : "";
}

/** Regression: RMSE = sqrt(2 loss) (the loss is 0.5 (o - t)^2) and R^2 = 1 - MSE / var(t), train and test. */
function showRegressionMeasures(frame) {
  const regression = config.problem === "regression" && config.loss === "mse";
  $("accuracy-line").hidden = regression;
  $("regression-line").hidden = !regression;
  if (!regression || !state) return;
  const variance = (points) => {
    const t = points.map((p) => p[p.length - 1]);
    const mean = t.reduce((a, b) => a + b, 0) / Math.max(1, t.length);
    return t.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, t.length);
  };
  const rmse = (loss) => (Number.isFinite(loss) ? Math.sqrt(2 * loss) : null);
  const r2 = (loss, points) => (Number.isFinite(loss) ? 1 - (2 * loss) / Math.max(1e-12, variance(points)) : null);
  $("train-rmse").textContent = fmt(rmse(frame.train_loss));
  $("test-rmse").textContent = fmt(rmse(frame.test_loss));
  $("train-r2").textContent = fmt(r2(frame.train_loss, state.points.train));
  $("test-r2").textContent = fmt(r2(frame.test_loss, state.points.test));
}

// The table view (uploads with more than two feature columns): built once per data, predictions updated per frame.
let tableKey = "";
let tableCells = [];
function drawTable(table) {
  if (!table) return;
  const key = JSON.stringify([table.columns, table.n_test, table.label.length, state?.n_train]);
  const regression = table.error !== null;
  const show = (v) => (regression ? fmt(v) : String(v));  // classes as the file writes them (0, 1, 7...)
  if (key !== tableKey) {
    tableKey = key;
    const head = $("data-table").createTHead();
    head.innerHTML = "";
    const hr = head.insertRow();
    for (const name of [...table.columns, state?.upload?.label_column || "label", "prediction",
      ...(regression ? ["error"] : [])]) {
      const th = document.createElement("th");
      th.textContent = name;
      hr.appendChild(th);
    }
    const body = $("data-table").tBodies[0] || $("data-table").createTBody();
    body.innerHTML = "";
    tableCells = table.x.map((row, i) => {
      const tr = body.insertRow();
      for (const v of row) tr.insertCell().textContent = fmt(v);
      tr.insertCell().textContent = show(table.label[i]);
      const pred = tr.insertCell();
      const error = regression ? tr.insertCell() : null;
      return [tr, pred, error];
    });
    $("table-count").textContent = `${table.label.length} of ${table.n_test} test points`;
  }
  tableCells.forEach(([tr, pred, error], i) => {
    pred.textContent = show(table.prediction[i]);
    if (regression) {
      error.textContent = fmt(table.error[i]);
      error.style.background = colour(table.error[i] === null ? 0 : -Math.min(1, Math.abs(table.error[i])));
    } else tr.className = table.correct[i] ? "right" : "wrong";
  });
}

function drawConfusion(matrix) {
  const table = $("confusion");
  if (!matrix) { table.innerHTML = ""; return; }
  const labels = state?.classes && state.classes.length === matrix.length ? state.classes : matrix.map((_, i) => i);
  const max = Math.max(1, ...matrix.flat());
  let html = `<tr><th title="rows: true class; columns: predicted">true \\ pred</th>${labels.map((l) => `<th>${l}</th>`).join("")}</tr>`;
  matrix.forEach((row, i) => {
    html += `<tr><th>${labels[i]}</th>${row.map((n, j) =>
      `<td class="${i === j ? "diag" : ""}" style="--w:${(n / max).toFixed(2)}">${n}</td>`).join("")}</tr>`;
  });
  table.innerHTML = html;
}

function animate() {
  // One draw per display refresh at most: frames that arrive faster are skipped, never queued.
  if (pendingFrame) {
    const frame = pendingFrame;
    pendingFrame = null;
    const start = performance.now();
    drawFrame(frame);
    stats.drawMs += performance.now() - start;
    stats.framesDrawn++;
  }
  requestAnimationFrame(animate);
}

// -- controls -----------------------------------------------------------------------------------------------

function setPlaying(on) {
  playing = on;
  $("play-pause").innerHTML = on ? PAUSE_ICON : PLAY_ICON;
  $("play-pause").classList.toggle("playing", on);
  $("play-pause").title = on ? "Pause" : "Run";
}

function pause() {
  if (playing) send({ type: "pause" });
  setPlaying(false);
}

function setupControls() {
  const options = (id, values) => { $(id).innerHTML = values.map(([v, t]) => `<option value="${v}">${t}</option>`).join(""); };
  options("activation", [["relu", "ReLU"], ["tanh", "Tanh"], ["sigmoid", "Sigmoid"], ["linear", "Linear"]]);
  options("regularization", [["none", "None"], ["l1", "L1"], ["l2", "L2"]]);
  options("problem", [["classification", "Classification"], ["regression", "Regression"]]);
  options("optimizer", [["sgd", "SGD"], ["momentum", "Momentum"], ["adam", "Adam"]]);
  options("loss", [["mse", "0.5 (o - t)\u00b2"], ["crossentropy", "Cross-entropy"]]);
  const box = $("datasets");
  for (const [name, title] of DATASETS) {
    const b = document.createElement("button");
    b.className = `dataset${REGRESSION.has(name) ? " regression" : ""}`;
    b.dataset.name = name;
    b.dataset.testid = `dataset-${name}`;
    b.title = title;
    b.innerHTML = `<canvas width="40" height="40"></canvas><span>${title.replace(" (regression)", "")}</span>`;
    drawThumbnail(b.querySelector("canvas"), name);
    b.addEventListener("click", () => change({ dataset: name }));
    box.appendChild(b);
  }
  $("play-pause").addEventListener("click", () => {
    if (playing) pause();
    else { setPlaying(true); send({ type: "play" }); playSentAt = messagesSent; }
  });
  $("step").addEventListener("click", () => { pause(); send({ type: "step" }); });
  $("reset").addEventListener("click", () => { pause(); send({ type: "reset" }); });
  $("regenerate").addEventListener("click", () => {
    pause();
    change({ seed: Math.floor(Math.random() * 100000) });
  });
  $("learning-rate").addEventListener("change", (e) => change({ learning_rate: Number(e.target.value) }));
  $("reg-rate").addEventListener("change", (e) => change({ regularization_rate: Number(e.target.value) }));
  $("activation").addEventListener("change", (e) => {
    const activation = e.target.value;  // one activation for every hidden layer, as TF Playground
    change({ activation, hidden: config.hidden.map((l) => ({ ...l, activation })) });
  });
  $("regularization").addEventListener("change", (e) => change({ regularization: e.target.value }));
  $("problem").addEventListener("change", (e) => change({ problem: e.target.value }));
  $("optimizer").addEventListener("change", (e) => change({ optimizer: e.target.value }));
  $("loss").addEventListener("change", (e) => change({ loss: e.target.value }));
  for (const [id, field] of [["ratio", "train_ratio"], ["noise", "noise"], ["batch-size", "batch_size"]]) {
    $(id).addEventListener("input", (e) => { $(`${id}-value`).textContent = e.target.value; });
    $(id).addEventListener("change", (e) => change({ [field]: Number(e.target.value) }));
  }
  $("show-test").addEventListener("change", (e) => {
    config.show_test_data = e.target.checked;  // drawn at once; the server keeps it for the URL
    drawData();
    change({ show_test_data: e.target.checked });
  });
  $("discretize").addEventListener("change", (e) => {
    config.discretize = e.target.checked;
    if (stats.frame) pendingFrame = stats.frame;
    change({ discretize: e.target.checked });
  });
  $("stop-loss").addEventListener("change", (e) => {
    const v = e.target.value.trim();
    change({ stop_test_loss: v === "" || Number(v) <= 0 ? null : Number(v) });
  });
  $("add-layer").addEventListener("click", () => {
    if (config.hidden.length >= limits.max_layers) return;
    change({ hidden: [...config.hidden, { units: 2, activation: config.activation, dropout: 0 }] });
  });
  $("remove-layer").addEventListener("click", () => change({ hidden: config.hidden.slice(0, -1) }));
  $("export-python").addEventListener("click", () => send({ type: "export", format: "python" }));
  $("export-keras").addEventListener("click", () => send({ type: "export", format: "keras" }));
  $("csv-file").addEventListener("change", (e) => {
    const file = e.target.files[0];
    if (!file) return;
    $("csv-error").hidden = true;
    if (file.size > (limits.max_csv_bytes || 1 << 20)) {
      $("csv-error").textContent = `${file.name} is larger than ${(limits.max_csv_bytes || 1 << 20) >> 10} KiB`;
      $("csv-error").hidden = false;
      return;
    }
    file.text().then((text) => { pause(); send({ type: "upload_csv", name: file.name, text }); });
    e.target.value = "";  // the same file can be chosen again after a fix
  });
  document.querySelectorAll(".view-tab[data-view]").forEach((tab) => tab.addEventListener("click", () => showView(tab.dataset.view)));
  $("guide-toggle").addEventListener("click", () => { showView("playground"); guide.toggle(); });
}

function showView(view) {
  $("playground-view").hidden = view !== "playground";
  $("digit-view").hidden = view !== "digit";
  $("footer").hidden = view === "digit";  // its text and the classroom options are about the playground
  document.querySelectorAll(".view-tab[data-view]").forEach((t) => t.classList.toggle("active", t.dataset.view === view));
  if (view === "digit") pause();
  else requestAnimationFrame(() => network.layoutLinks());
}

/** A dataset button's picture: the shape of its classes, drawn with 200 noiseless points. */
function drawThumbnail(canvas, name) {
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fafafa";
  ctx.fillRect(0, 0, 40, 40);
  const dot = (x, y, v) => {
    ctx.fillStyle = v > 0 ? "#0877bd" : "#f59322";
    ctx.fillRect(20 + x * 3.2 - 1, 20 - y * 3.2 - 1, 2, 2);
  };
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 200; i++) {
    const u = rand() * 10 - 5;
    const w = rand() * 10 - 5;
    if (name === "circle") {
      const r = i % 2 ? rand() * 2.5 : 3.5 + rand() * 1.5;
      const t = rand() * 2 * Math.PI;
      dot(r * Math.sin(t), r * Math.cos(t), i % 2 ? 1 : -1);
    } else if (name === "xor") dot(u, w, u * w >= 0 ? 1 : -1);
    else if (name === "gauss") dot((i % 2 ? 2 : -2) + (rand() - 0.5) * 2, (i % 2 ? 2 : -2) + (rand() - 0.5) * 2, i % 2 ? 1 : -1);
    else if (name === "spiral") {
      const k = (i >> 1) / 100;
      const t = 1.75 * k * 2 * Math.PI + (i % 2 ? 0 : Math.PI);
      dot(5 * k * Math.sin(t), 5 * k * Math.cos(t), i % 2 ? 1 : -1);
    } else if (name === "plane") dot(u, w, u + w);
    else dot(u, w, Math.sin(u) * Math.cos(w));
  }
}

// -- the URL hash: TF Playground's keys, glassnet's additions, and the classroom's *_hide ------------------

function configFromHash(hash) {
  const pairs = new URLSearchParams(hash.replace(/^#/, ""));
  const partial = {};
  const num = (k) => Number(pairs.get(k));
  const scalars = { batchSize: "batch_size", learningRate: "learning_rate", regularizationRate: "regularization_rate",
    noise: "noise", percTrainData: "train_ratio" };
  for (const [k, f] of Object.entries(scalars)) if (pairs.has(k)) partial[f] = num(k);
  for (const k of ["activation", "problem", "optimizer", "loss", "regularization"]) if (pairs.has(k)) partial[k] = pairs.get(k);
  for (const [k, f] of [["showTestData", "show_test_data"], ["discretize", "discretize"], ["initZero", "init_zero"],
    ["collectStats", "collect_stats"]]) {
    if (pairs.has(k)) partial[f] = pairs.get(k) === "true";
  }
  const dataKey = partial.problem === "regression" ? "regDataset" : "dataset";
  if (pairs.has(dataKey)) {
    partial.dataset = { "reg-plane": "plane", "reg-gauss": "multi_gauss" }[pairs.get(dataKey)] || pairs.get(dataKey);
  }
  if (pairs.has("seed")) {
    const s = num("seed");
    partial.seed = s >= 0 && s < 1 && !Number.isInteger(s) ? Math.round(s * 100000) : s;
  }
  if (pairs.has("networkShape")) {
    const list = (k) => (pairs.get(k) ? pairs.get(k).split(",") : []);
    const acts = list("activations");
    const drops = list("dropout").map(Number);
    const activation = partial.activation || "tanh";
    partial.hidden = list("networkShape").map((u, i) => ({ units: Number(u), activation: acts[i] || activation,
      dropout: drops[i] || 0 }));
  }
  if (Object.values(FEATURE_KEYS).some((k) => pairs.has(k))) {
    partial.features = Object.entries(FEATURE_KEYS).filter(([, k]) => pairs.get(k) === "true").map(([f]) => f);
  }
  if (pairs.has("stopTestLoss")) partial.stop_test_loss = pairs.get("stopTestLoss") ? num("stopTestLoss") : null;
  hidden = new Set([...pairs.keys()].filter((k) => k.endsWith("_hide") && pairs.get(k) === "true").map((k) => k.slice(0, -5)));
  if (pairs.get("hideText") === "true") hidden.add("text");
  tutorial = pairs.get("tutorial");
  return partial;
}

function writeHash() {
  const c = config;
  const pairs = [["activation", c.activation], ["batchSize", c.batch_size],
    [c.problem === "regression" ? "regDataset" : "dataset", { plane: "reg-plane", multi_gauss: "reg-gauss" }[c.dataset] || c.dataset],
    ["learningRate", c.learning_rate], ["regularizationRate", c.regularization_rate], ["noise", c.noise],
    ["networkShape", c.hidden.map((l) => l.units).join(",")], ["activations", c.hidden.map((l) => l.activation).join(",")],
    ["dropout", c.hidden.map((l) => l.dropout).join(",")], ["seed", c.seed], ["showTestData", c.show_test_data],
    ["discretize", c.discretize], ["percTrainData", c.train_ratio], ["problem", c.problem],
    ["optimizer", c.optimizer], ["loss", c.loss], ["initZero", c.init_zero], ["collectStats", c.collect_stats]];
  if (c.regularization !== "none") pairs.push(["regularization", c.regularization]);
  for (const [f, k] of Object.entries(FEATURE_KEYS)) pairs.push([k, c.features.includes(f)]);
  if (c.stop_test_loss !== null) pairs.push(["stopTestLoss", c.stop_test_loss]);
  for (const key of [...hidden].sort()) pairs.push(key === "text" ? ["hideText", true] : [`${key}_hide`, true]);
  if (tutorial) pairs.push(["tutorial", encodeURIComponent(tutorial)]);
  const text = pairs.map(([k, v]) => `${k}=${v}`).join("&");
  history.replaceState(null, "", `#${text}`);
}

/** Classroom mode: hide every control whose key is in the URL as key_hide=true. */
function applyHide() {
  document.querySelectorAll("[data-hide]").forEach((e) => {
    e.classList.toggle("classroom-hidden", hidden.has(e.dataset.hide));
  });
  document.querySelectorAll("#classroom input[data-key]").forEach((box) => { box.checked = hidden.has(box.dataset.key); });
}

// "Use it in classroom": each box hides a control and puts key_hide=true in the URL to share.
const HIDEABLE = [["showTestData", "Show test data"], ["discretize", "Discretize output"], ["playButtons", "Play buttons"],
  ["learningRate", "Learning rate"], ["activation", "Activation"], ["regularization", "Regularization"],
  ["regularizationRate", "Regularization rate"], ["problem", "Problem type"], ["optimizer", "Optimizer"],
  ["loss", "Loss"], ["dataset", "Which dataset"], ["percTrainData", "Ratio train data"], ["noise", "Noise"],
  ["batchSize", "Batch size"], ["numHiddenLayers", "# of hidden layers"], ["upload", "CSV upload"],
  ["stop", "Stop condition"], ["export", "Export"], ["x", "X\u2081"], ["y", "X\u2082"], ["xSquared", "X\u2081\u00b2"],
  ["ySquared", "X\u2082\u00b2"], ["xTimesY", "X\u2081X\u2082"], ["sinX", "sin(X\u2081)"], ["sinY", "sin(X\u2082)"],
  ["cosX", "cos(X\u2081)"], ["cosY", "cos(X\u2082)"],
  ["text", "Header and text"]];

function setupClassroom() {
  const box = $("classroom-options");
  for (const [key, label] of HIDEABLE) {
    const item = document.createElement("label");
    item.innerHTML = `<input type="checkbox" data-key="${key}" data-testid="hide-${key}"> ${label}`;
    item.querySelector("input").addEventListener("change", (e) => {
      if (e.target.checked) hidden.add(key);
      else hidden.delete(key);
      if (config) writeHash();
      applyHide();
    });
    box.appendChild(item);
  }
}

// -- export and messages ----------------------------------------------------------------------------------

function onExport(message) {
  stats.exports.push(message);
  let blob;
  if (message.format === "keras") {
    const bin = atob(message.content);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    blob = new Blob([bytes], { type: "application/octet-stream" });
  } else blob = new Blob([message.content], { type: "text/x-python" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = message.filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

/** tutorial=NAME: opens the guided course; a name that is not one says so in the guide's panel. */
function openTutorial() {
  let note = $("guide-note");
  if (!note) {
    note = document.createElement("p");
    note.id = "guide-note";
    note.className = "error-text";
    note.setAttribute("data-testid", "guide-note");
    $("guide").prepend(note);
  }
  const known = TUTORIALS.includes(tutorial);
  note.hidden = known;
  note.textContent = known ? "" : `There is no tutorial named "${tutorial}": glassnet has one guided course ` +
    `(tutorial=${TUTORIALS.join(", tutorial=")}), shown here instead.`;
  if ($("guide").hidden) guide.open();
}

let bannerTimer = null;
function banner(text, fade = true) {
  const b = $("banner");
  b.textContent = text;
  b.hidden = false;
  clearTimeout(bannerTimer);
  if (fade) bannerTimer = setTimeout(hideBanner, 8000);
}
function hideBanner() { $("banner").hidden = true; }

window.addEventListener("hashchange", () => {
  // A pasted link: the page's own writes use replaceState and fire no hashchange.
  if (socket && socket.readyState === WebSocket.OPEN) change(configFromHash(location.hash));
  applyHide();
  if (tutorial && $("guide").hidden) openTutorial();
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") $("edit-card").hidden = true;
});

setupControls();
setupClassroom();
setPlaying(false);
configFromHash(location.hash);
applyHide();
if (tutorial) openTutorial();
connect();
requestAnimationFrame(animate);
