// Drawing helpers of the glassnet playground: the colour scale, grids, points, the loss chart.
// Plain canvas code, no library: the page must work offline and from the package alone.

// TF Playground's scale: -1 orange, 0 grey, +1 blue, quantised into 30 shades.
const NEG = [245, 147, 34];
const MID = [232, 234, 235];
const POS = [8, 119, 189];
const SHADES = 30;
export const CLASS_COLOURS = ["#f59322", "#0877bd", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
  "#7f7f7f", "#bcbd22", "#17becf"];

const LUT = (() => {
  // One colour per byte value, so a 100x100 grid is coloured with lookups, not arithmetic.
  const lut = new Uint8ClampedArray(256 * 3);
  for (let b = 0; b < 256; b++) {
    let v = (b / 255) * 2 - 1;
    v = Math.round(((v + 1) / 2) * (SHADES - 1)) / (SHADES - 1) * 2 - 1;
    const [from, to, t] = v < 0 ? [MID, NEG, -v] : [MID, POS, v];
    for (let c = 0; c < 3; c++) lut[b * 3 + c] = from[c] + (to[c] - from[c]) * t;
  }
  return lut;
})();

/** The colour of a value in [-1, 1] as a CSS string. */
export function colour(value) {
  const v = Math.max(-1, Math.min(1, Number.isFinite(value) ? value : 0));
  const b = Math.round(((v + 1) / 2) * 255) * 3;
  return `rgb(${LUT[b]},${LUT[b + 1]},${LUT[b + 2]})`;
}

/** A grid's bytes ({size, data: base64}) as a Uint8Array. */
export function gridBytes(grid) {
  const text = atob(grid.data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Draws a grid onto a canvas, scaled to the canvas; discretize maps each value to -1 or +1. */
export function drawGrid(canvas, grid, { discretize = false, alpha = 255, grey = false, categories = 0 } = {}) {
  if (!grid) return;
  const n = grid.size;
  const bytes = gridBytes(grid);
  const image = new ImageData(n, n);
  const px = image.data;
  const lut = categories > 2 ? categoryLut(categories) : LUT;
  for (let i = 0; i < n * n; i++) {
    let b = bytes[i];
    if (grey) {
      px[i * 4] = px[i * 4 + 1] = px[i * 4 + 2] = 255 - b;
      px[i * 4 + 3] = 255;
      continue;
    }
    if (discretize && lut === LUT) b = b >= 128 ? 255 : 0;
    px[i * 4] = lut[b * 3];
    px[i * 4 + 1] = lut[b * 3 + 1];
    px[i * 4 + 2] = lut[b * 3 + 2];
    px[i * 4 + 3] = alpha;
  }
  const off = scratch(n);
  off.getContext("2d").putImageData(image, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = n >= 100;  // thumbnails stay crisp squares, the heatmap smooth
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

/** Multi-class: the server spreads the class index k over [-1, 1]; each class gets its own colour. */
function categoryLut(k) {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let b = 0; b < 256; b++) {
    const hex = CLASS_COLOURS[Math.round((b / 255) * (k - 1)) % CLASS_COLOURS.length];
    for (let c = 0; c < 3; c++) lut[b * 3 + c] = parseInt(hex.slice(1 + 2 * c, 3 + 2 * c), 16);
  }
  return lut;
}

const scratches = new Map();
function scratch(n) {
  if (!scratches.has(n)) {
    const c = document.createElement("canvas");
    c.width = c.height = n;
    scratches.set(n, c);
  }
  return scratches.get(n);
}

/** Draws the data points ([[x1, x2, label]]) over the [-6, 6]^2 domain; test points get a dark ring. */
export function drawPoints(canvas, train, test, { classes = null, regression = false } = {}) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const scale = canvas.width / 12;
  const multi = classes && classes.length > 2;
  const fill = (label) => {
    if (multi) return CLASS_COLOURS[classes.indexOf(label) % CLASS_COLOURS.length] || "#444";
    return colour(regression ? label : label > 0 ? 1 : -1);
  };
  const draw = (points, ring) => {
    for (const [x1, x2, label] of points) {
      ctx.beginPath();
      ctx.arc((x1 + 6) * scale, (6 - x2) * scale, 3, 0, 2 * Math.PI);
      ctx.fillStyle = fill(label);
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = ring ? "#000" : "#fff";
      ctx.stroke();
    }
  };
  draw(train || [], false);
  if (test) draw(test, true);
}

/** The values a feature takes over a 10x10 grid, as a grid, for an input that is switched off. */
export function featureGrid(name, n = 10) {
  const fns = {
    "x1": (x) => x / 6, "x2": (x, y) => y / 6, "x1^2": (x) => x * x / 18 - 1, "x2^2": (x, y) => y * y / 18 - 1,
    "x1*x2": (x, y) => x * y / 36, "sin(x1)": (x) => Math.sin(x), "sin(x2)": (x, y) => Math.sin(y),
    "cos(x1)": (x) => Math.cos(x), "cos(x2)": (x, y) => Math.cos(y),
  };
  const bytes = new Uint8Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const x = -6 + (c + 0.5) * 12 / n;
      const y = 6 - (r + 0.5) * 12 / n;
      const v = Math.max(-1, Math.min(1, fns[name](x, y)));
      bytes[r * n + c] = Math.round((v + 1) / 2 * 255);
    }
  }
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return { size: n, data: btoa(text) };
}

/** The appending train/test loss chart; hover shows the values at that epoch. */
export class LossChart {
  constructor(canvas, tip) {
    this.canvas = canvas;
    this.tip = tip;
    this.points = [];  // [epoch, train, test]
    canvas.addEventListener("mousemove", (e) => this.hover(e));
    canvas.addEventListener("mouseleave", () => { tip.hidden = true; });
  }

  clear() { this.points = []; this.draw(); }

  add(epoch, train, test) {
    const last = this.points[this.points.length - 1];
    if (last && epoch <= last[0]) this.points = this.points.filter((p) => p[0] < epoch);
    this.points.push([epoch, train, test]);
    if (this.points.length > 2000) this.points = this.points.filter((_, i) => i % 2 === 0);  // keep it cheap
  }

  range() {
    let max = 0;
    for (const [, a, b] of this.points) max = Math.max(max, Number.isFinite(a) ? a : 0, Number.isFinite(b) ? b : 0);
    return max || 1;
  }

  draw() {
    const { canvas } = this;
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (this.points.length < 1) return;
    const max = this.range();
    const n = this.points.length;
    const x = (i) => (n === 1 ? 0 : (i / (n - 1)) * (canvas.width - 2)) + 1;
    const y = (v) => canvas.height - 2 - (Math.min(Number.isFinite(v) ? v : max, max) / max) * (canvas.height - 4);
    for (const [col, colour] of [[1, "#777"], [2, "#000"]]) {
      ctx.beginPath();
      this.points.forEach((p, i) => (i ? ctx.lineTo(x(i), y(p[col])) : ctx.moveTo(x(i), y(p[col]))));
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
  }

  hover(event) {
    const n = this.points.length;
    if (!n) return;
    const rect = this.canvas.getBoundingClientRect();
    const i = Math.max(0, Math.min(n - 1, Math.round(((event.clientX - rect.left) / rect.width) * (n - 1))));
    const [epoch, train, test] = this.points[i];
    this.tip.textContent = `epoch ${epoch}: train ${fmt(train)}, test ${fmt(test)}`;
    this.tip.hidden = false;
  }
}

/** A loss with three decimals, as TF Playground shows it. */
export function fmt(v, digits = 3) {
  return v === null || v === undefined ? "\u2013" : Number.isFinite(v) ? v.toFixed(digits) : "NaN";
}

/** The epoch counter: zero-padded to 6 digits with commas (000,123). */
export function epochText(epoch) {
  const s = String(epoch).padStart(6, "0");
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
