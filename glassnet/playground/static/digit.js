// "Draw a digit": a 280x280 canvas drawn with the mouse; each stroke's end sends the pixels (0 = white,
// 255 = ink) and the server answers the prediction, the softmax, each layer's activations and a gradient map.

import { drawGrid } from "./view.js";

export class DigitView {
  constructor(root, send) {
    this.root = root;
    this.send = send;
    this.canvas = root.querySelector("#digit-canvas");
    this.ctx = this.canvas.getContext("2d", { willReadFrequently: true });
    this.drawing = false;
    this.clear();
    const bars = root.querySelector("#digit-bars");
    this.bars = [];
    for (let d = 0; d < 10; d++) {
      const row = document.createElement("div");
      row.className = "digit-bar";
      row.innerHTML = `<span class="digit-label">${d}</span><span class="bar"><span class="fill" data-testid="digit-bar-${d}"></span></span><span class="digit-p">0%</span>`;
      bars.appendChild(row);
      this.bars.push(row);
    }
    const c = this.canvas;
    // Pointer events: the mouse, a pen and a finger all draw.
    c.addEventListener("pointerdown", (e) => {
      this.drawing = true;
      c.setPointerCapture(e.pointerId);
      this.line(e, e);
      this.last = e;
    });
    c.addEventListener("pointermove", (e) => { if (this.drawing) { this.line(this.last, e); this.last = e; } });
    const end = () => { if (this.drawing) { this.drawing = false; this.submit(); } };
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
    root.querySelector("#digit-clear").addEventListener("click", () => this.clear());
  }

  clear() {
    this.ctx.fillStyle = "#fff";
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.root.querySelector("#digit-prediction").textContent = "\u2013";
  }

  line(from, to) {
    const r = this.canvas.getBoundingClientRect();
    const sx = this.canvas.width / r.width;
    const ctx = this.ctx;
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 20;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo((from.clientX - r.left) * sx, (from.clientY - r.top) * sx);
    ctx.lineTo((to.clientX - r.left) * sx + 0.01, (to.clientY - r.top) * sx);
    ctx.stroke();
  }

  /** Sends the canvas as grey bytes, 255 = ink, base64. */
  submit() {
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    let text = "";
    for (let i = 0; i < width * height; i++) text += String.fromCharCode(255 - rgba[i * 4]);
    this.send({ type: "digit", pixels: btoa(text) });
  }

  show(message) {
    this.root.querySelector("#digit-prediction").textContent = String(message.prediction);
    message.probabilities.forEach((p, d) => {
      const row = this.bars[d];
      row.querySelector(".fill").style.width = `${(100 * p).toFixed(1)}%`;
      row.querySelector(".digit-p").textContent = `${(100 * p).toFixed(0)}%`;
      row.classList.toggle("best", d === message.prediction);
    });
    drawGrid(this.root.querySelector("#digit-input"), message.input, { grey: true });
    drawGrid(this.root.querySelector("#digit-gradient"), message.gradient, { grey: true });
    const box = this.root.querySelector("#digit-activations");
    box.innerHTML = "";
    (message.activations || []).forEach((layer, l) => {
      const row = document.createElement("div");
      row.className = "activation-row";
      const max = Math.max(1e-9, ...layer.map(Math.abs));
      const label = l === message.activations.length - 1 ? "output" : `layer ${l + 1}`;
      row.innerHTML = `<span class="activation-label">${label}</span><span class="cells">${layer.map((v) =>
        `<span class="cell" title="${v.toFixed(3)}" style="opacity:${(0.1 + 0.9 * Math.abs(v) / max).toFixed(2)}"></span>`).join("")}</span>`;
      box.appendChild(row);
    });
  }
}
