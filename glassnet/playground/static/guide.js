// Guided mode: the course exercise as steps; each step sets the controls (one config message) and says
// what to try.  Back and Next move between steps; the page stays fully usable in between.

// One seed for the whole exercise: every step trains on the same points, so the steps compare learning rates
// and networks, not draws of the data (with 10% noise about one draw in four never gets below 0.05: the
// flipped labels cost a loss no boundary can remove).
const CIRCLE = { seed: 10, dataset: "circle", noise: 10, train_ratio: 50, batch_size: 10, features: ["x1", "x2"],
  hidden: [{ units: 4, activation: "tanh", dropout: 0 }, { units: 2, activation: "tanh", dropout: 0 }],
  activation: "tanh", optimizer: "sgd", regularization: "none", loss: "mse", stop_test_loss: null };

// The names tutorial=NAME may take (TF Playground loads tutorials/NAME.html; glassnet has one course).
export const TUTORIALS = ["course"];

export const STEPS = [
  { title: "1. The circle, with noise",
    text: "Circle dataset, noise 10%, half the points for training, batch size 10, learning rate 0.01. " +
      "Press <b>play</b> and watch the test loss (top right) fall, slowly.",
    config: { ...CIRCLE, learning_rate: 0.01 } },
  { title: "2. A larger learning rate: 0.1",
    text: "Same network, learning rate 0.1. Press play: the loss falls much faster.",
    config: { ...CIRCLE, learning_rate: 0.1 } },
  { title: "3. Too large: 1",
    text: "Learning rate 1. Press play: the steps overshoot, the loss jumps around or stalls.",
    config: { ...CIRCLE, learning_rate: 1 } },
  { title: "4. Stop when the test loss is below 0.05",
    text: "Learning rate 0.1 again, and a stop condition: training stops by itself once the test loss falls " +
      "below 0.05 (see <i>Stop when test loss &lt;</i> under the heatmap). Press play.",
    config: { ...CIRCLE, learning_rate: 0.1, stop_test_loss: 0.05 } },
  { title: "5. One neuron is enough",
    text: "Add the features X<sub>1</sub><sup>2</sup> and X<sub>2</sub><sup>2</sup> and remove the hidden layers: " +
      "in (x1<sup>2</sup>, x2<sup>2</sup>) the circle is a straight line, so the output neuron alone separates it. " +
      "Press play: it reaches a test loss below 0.05. (With other data, Regenerate, the noise may keep it just above.)",
    config: { ...CIRCLE, learning_rate: 0.1, stop_test_loss: 0.05, features: ["x1", "x2", "x1^2", "x2^2"], hidden: [] } },
  { title: "6. The spiral, without hidden layers",
    text: "Now the spiral, with no hidden layer. Press play: no straight line separates the arms, the test " +
      "loss stays high whatever the learning rate.",
    config: { ...CIRCLE, dataset: "spiral", noise: 0, learning_rate: 0.03, features: ["x1", "x2"], hidden: [] } },
  { title: "7. The spiral needs hidden layers",
    text: "Three hidden layers and all the features. Press play and wait: the hidden neurons bend the boundary " +
      "around the arms. Try fewer neurons, other activations, or regularization.",
    config: { ...CIRCLE, dataset: "spiral", noise: 0, learning_rate: 0.03,
      features: ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"],
      hidden: [{ units: 8, activation: "tanh", dropout: 0 }, { units: 8, activation: "tanh", dropout: 0 },
        { units: 6, activation: "tanh", dropout: 0 }] } },
];

export class Guide {
  /** @param {function(object)} apply  sends a config (and pauses) */
  constructor(panel, apply) {
    this.panel = panel;
    this.apply = apply;
    this.index = 0;
    panel.querySelector("#guide-total").textContent = String(STEPS.length);
    panel.querySelector("#guide-next").addEventListener("click", () => this.go(this.index + 1));
    panel.querySelector("#guide-back").addEventListener("click", () => this.go(this.index - 1));
    panel.querySelector("#guide-close").addEventListener("click", () => this.close());
  }

  open() {
    this.panel.hidden = false;
    document.body.classList.add("guided");
    this.go(this.index);
  }

  close() {
    this.panel.hidden = true;
    document.body.classList.remove("guided");
  }

  toggle() { if (this.panel.hidden) this.open(); else this.close(); }

  go(index) {
    this.index = Math.max(0, Math.min(STEPS.length - 1, index));
    const step = STEPS[this.index];
    this.panel.querySelector("#guide-index").textContent = String(this.index + 1);
    this.panel.querySelector("#guide-title").textContent = step.title;
    this.panel.querySelector("#guide-text").innerHTML = step.text;
    this.panel.querySelector("#guide-back").disabled = this.index === 0;
    this.panel.querySelector("#guide-next").disabled = this.index === STEPS.length - 1;
    this.apply(step.config);
  }
}
