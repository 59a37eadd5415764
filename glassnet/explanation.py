"""Equations with the model's own shapes: what ``layer.explain()`` and ``model.explain()`` return.

An :class:`Explanation` is what one layer (or a loss, or an optimizer) says about itself: its
forward equations, its backward equations (delta, dC/dW, dC/db, dC/dx) in the course's notation,
the shapes of its symbols, and how its parameters are counted.  Each equation carries a shape
template over those symbols (``"x @ W + b -> z"``) which is rendered with the real shapes::

    z = x W + b        (None, 784) x (784, 256) + (256,) -> (None, 256)

A :class:`ModelExplanation` strings the layers together with the loss and the optimizer.  Both
read as plain text (``print``), as a table with LaTeX equations in Jupyter (``_repr_html_``) and
as plain data (``to_dict``) for other tools.  This module knows nothing of layers: each layer
states its own equations next to its ``call`` (``Layer._explain``).
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from typing import Any

Shape = tuple[Any, ...]
"""Sizes (int), ``None`` for the batch axis, or a name (str) for a size not known yet."""

# Words a shape template may use besides the symbols: they name an operation, not a shape.
OPERATION_WORDS = frozenset({"conv", "conv^T", "col2im", "pool", "reshape", "concat", "route", "pad", "crop",
                             "upsample", "sum", "max", "mean", "op"})
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_']*(\^T)?$")
_OPERATORS = {"@": "x"}  # "@" is the matrix product, shown as "x" as on the slides
# Text wider than this pushes the shapes onto their own line.
_EQUATION_WIDTH = 46


def shape_text(shape: Any) -> str:
    """``(None, 784)``; a 1-tuple keeps its comma, a scalar is ``()``."""
    if shape is None:
        return "?"
    items = ["None" if n is None else str(n) for n in shape]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def count_text(n: int) -> str:
    """A count with thousands separators: ``200,960``."""
    return f"{n:,}"


_GREEK = {"alpha", "beta", "gamma", "delta", "mu", "sigma", "lambda"}


def latex_symbol(name: str) -> str:
    """A symbol in LaTeX: ``gamma`` -> ``\\gamma``, ``x1`` -> ``x_1``, ``W_mat`` -> ``W_{mat}``."""
    base, _, sub = name.partition("_")
    if not sub and base[-1:].isdigit():
        base, sub = base.rstrip("0123456789"), base[len(base.rstrip("0123456789")):]
    base = "\\" + base if base in _GREEK else base
    return base + ("_{" + sub + "}" if sub else "")


def dc(wrt: str) -> str:
    """LaTeX of dC/d(wrt): ``dc("W")`` -> ``\\frac{\\partial C}{\\partial W}``."""
    return r"\frac{\partial C}{\partial " + latex_symbol(wrt) + "}"


def _transposed(shape: Shape) -> Shape:
    # x^T of a (rows, features) matrix; for more axes the feature axis moves first and the
    # leading axes are the ones the product sums over (the engine flattens them into rows).
    return tuple(shape[-1:]) + tuple(shape[:-1]) if shape else shape


def render_shapes(template: str, symbols: dict[str, Shape], owner: str = "") -> str:
    """Replace every symbol of ``template`` by its shape: ``"x @ W -> z"`` -> ``"(None, 4) x (4, 3) -> (None, 3)"``.

    Raises
    ------
    ValueError
        When the template names a symbol the explanation does not define (a bug in an entry).
    """
    out: list[str] = []
    for token in template.split():
        if token in symbols:
            out.append(shape_text(symbols[token]))
        elif token.endswith("^T") and token[:-2] in symbols:
            out.append(shape_text(_transposed(symbols[token[:-2]])))
        elif _IDENTIFIER.match(token) and token not in OPERATION_WORDS:
            raise ValueError(f"{owner or 'explanation'}: the shape template {template!r} names {token!r}, "
                             f"which is not one of its symbols {sorted(symbols)}")
        else:
            out.append(_OPERATORS.get(token, token))
    return " ".join(out).replace(" , ", ", ")


@dataclass(frozen=True)
class Equation:
    """One equation: plain text in the course's notation, its LaTeX, and a shape template.

    Parameters
    ----------
    text : str
        ``"z = x W + b"``: readable in a terminal.
    latex : str
        ``"z = xW + b"`` for Jupyter; the text is shown when empty.
    shapes : str
        Template over the explanation's symbols, ``"x @ W + b -> z"`` (``@`` matrix product,
        ``*`` element-wise, ``^T`` transposed); empty when the equation has no shapes to show.
    """

    text: str
    latex: str = ""
    shapes: str = ""

    def to_dict(self, symbols: dict[str, Shape], owner: str = "") -> dict[str, str]:
        return {"text": self.text, "latex": self.latex_or_text(), "shapes": self.shapes,
                "shape_text": render_shapes(self.shapes, symbols, owner)}

    def latex_or_text(self) -> str:
        return self.latex or r"\text{" + latex_text(self.text) + "}"


@dataclass(frozen=True)
class Param:
    """One weight as the layer counts it: its symbol, its name in ``layer.weights`` and its shape."""

    symbol: str
    weight: str
    shape: Shape
    trainable: bool = True

    @property
    def size(self) -> int | None:
        """Number of scalars, or None while a size is still a name."""
        if not all(isinstance(n, int) for n in self.shape):
            return None
        return math.prod(self.shape)

    def factors(self) -> str:
        """``784 x 256`` (a scalar weight counts as ``1``)."""
        return " x ".join(str(n) for n in self.shape) or "1"


@dataclass
class Explanation:
    """The equations of one layer (or loss, or optimizer) with its own shapes.

    Attributes
    ----------
    name, kind : str
        The layer's name and class (``"dense_1"``, ``"Dense"``).
    symbols : dict
        Shape of every symbol the equations use (``"x"``, ``"W"``, ``"z"``...).
    forward, backward : list of Equation
        The forward pass and back-propagation.
    params : list of Param
        The weights, in the order of ``layer.weights``, as the layer counts them.
    notes : list of str
        Anything a reader should know (constants, training-only behaviour).
    inputs, output : names of the input symbols and of the output symbol.
    has_entry : bool
        False for a layer that states no equations of its own (a custom layer).
    counts_params : bool
        Whether a parameter line is shown (a loss or an optimizer has none).
    titles : (str, str)
        The headings of the two lists (an optimizer's are "gradient" and "update").
    """

    name: str
    kind: str
    symbols: dict[str, Shape] = field(default_factory=dict)
    forward: list[Equation] = field(default_factory=list)
    backward: list[Equation] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    inputs: tuple[str, ...] = ("x",)
    output: str = "a"
    has_entry: bool = True
    counts_params: bool = True
    titles: tuple[str, str] = ("forward", "backward")

    # -- building --------------------------------------------------------------------------------
    def extend(self, other: "Explanation") -> "Explanation":
        """Append ``other``'s symbols, equations, parameters and notes (an activation after ``z``)."""
        for key, shape in other.symbols.items():
            self.symbols.setdefault(key, shape)
        self.forward += other.forward
        self.backward += other.backward
        self.params += other.params
        self.notes += other.notes
        return self

    # -- parameters ------------------------------------------------------------------------------
    @property
    def param_count(self) -> int | None:
        """Scalars in all weights (what ``layer.count_params()`` says), None while sizes are names."""
        sizes = [p.size for p in self.params]
        return None if None in sizes else int(sum(s for s in sizes if s is not None))

    def param_arithmetic(self) -> str:
        """``784 x 256 + 256 = 200,960``; ``0 (no weights)`` for a weightless layer."""
        if not self.params:
            return "0 (no weights)"
        total = self.param_count
        sums = " + ".join(p.factors() for p in self.params)
        return sums + (" = " + count_text(total) if total is not None else " (sizes known once built)")

    def _param_legend(self) -> str:
        legend = ", ".join(f"{p.symbol} {shape_text(p.shape)}" for p in self.params)
        frozen = [p.symbol for p in self.params if not p.trainable]
        if frozen:
            legend += f"; {', '.join(frozen)} not trained by gradients"
        return legend

    # -- rendering -------------------------------------------------------------------------------
    def header(self) -> str:
        """``dense (Dense): (None, 784) -> (None, 256)``."""
        ins = [shape_text(self.symbols[s]) for s in self.inputs if s in self.symbols]
        shapes = ""
        if ins and self.output in self.symbols:
            shapes = f": {', '.join(ins)} -> {shape_text(self.symbols[self.output])}"
        return f"{self.name} ({self.kind})" + shapes

    def _rows(self, equations: list[Equation]) -> list[tuple[Equation, str]]:
        return [(eq, render_shapes(eq.shapes, self.symbols, self.header())) for eq in equations]

    def to_text(self) -> str:
        """The plain-text block ``print(layer.explain())`` shows."""
        lines = [self.header()]
        # One column for the shapes across forward and backward, unless an equation is too long for it.
        fits = [len(eq.text) for eq in self.forward + self.backward if eq.shapes and len(eq.text) <= _EQUATION_WIDTH]
        width = max(fits, default=0)
        for title, equations in zip(self.titles, (self.forward, self.backward)):
            if not equations:
                continue
            lines.append(f"  {title}")
            for eq, shapes in self._rows(equations):
                if not shapes:
                    lines.append(f"    {eq.text}")
                elif len(eq.text) > width:
                    lines += [f"    {eq.text}", f"    {'':{width}}   {shapes}"]
                else:
                    lines.append(f"    {eq.text:{width}}   {shapes}")
        if self.params or self.counts_params:
            legend = f"   ({self._param_legend()})" if self.params else ""
            lines.append(f"  parameters: {self.param_arithmetic()}{legend}")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"<Explanation {self.name} ({self.kind}): {len(self.forward)} forward, {len(self.backward)} backward>"

    def _html_rows(self) -> list[str]:
        rows = [f'<tr><th colspan="3" style="text-align:left">{html.escape(self.header())}</th></tr>']
        for title, equations in zip(self.titles, (self.forward, self.backward)):
            for i, (eq, shapes) in enumerate(self._rows(equations)):
                label = title if i == 0 else ""
                rows.append(f"<tr><td>{label}</td><td title=\"{html.escape(eq.text)}\" style=\"text-align:left\">"
                            f"\\({html.escape(eq.latex_or_text())}\\)</td>"
                            f"<td style=\"text-align:left\"><code>{html.escape(shapes)}</code></td></tr>")
        if self.params or self.counts_params:
            rows.append(f"<tr><td>parameters</td><td colspan=\"2\" style=\"text-align:left\">"
                        f"{html.escape(self.param_arithmetic())} <small>{html.escape(self._param_legend())}"
                        "</small></td></tr>")
        rows += [f'<tr><td>note</td><td colspan="2" style="text-align:left">{html.escape(n)}</td></tr>'
                 for n in self.notes]
        return rows

    def _repr_html_(self) -> str:
        """Jupyter: a table, the equations typeset by MathJax, the shapes in monospace."""
        return "<table>" + "".join(self._html_rows()) + "</table>"

    def to_latex(self) -> str:
        """The equations as one LaTeX ``aligned`` block, each with its shapes as text."""
        lines = []
        for eq, shapes in self._rows(self.forward + self.backward):
            note = r" && \text{" + latex_text(shapes) + "}" if shapes else ""
            lines.append(eq.latex_or_text() + note)
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, strings, ints, None): JSON-able, for the trace and the playground."""
        owner = self.header()
        return {
            "name": self.name, "kind": self.kind, "has_entry": self.has_entry,
            "inputs": list(self.inputs), "output": self.output,
            "symbols": {k: list(v) for k, v in self.symbols.items()},
            "forward": [eq.to_dict(self.symbols, owner) for eq in self.forward],
            "backward": [eq.to_dict(self.symbols, owner) for eq in self.backward],
            "params": [{"symbol": p.symbol, "weight": p.weight, "shape": list(p.shape), "trainable": p.trainable}
                       for p in self.params],
            "param_count": self.param_count, "param_arithmetic": self.param_arithmetic(),
            "notes": list(self.notes),
        }


@dataclass
class ModelExplanation:
    """A whole model: every layer in order, then the loss, the parameter total and the optimizer."""

    name: str
    kind: str
    layers: list[Explanation] = field(default_factory=list)
    losses: list[Explanation] = field(default_factory=list)
    optimizer: Explanation | None = None
    total_params: int | None = None
    notes: list[str] = field(default_factory=list)

    def param_arithmetic(self) -> str:
        """``200,960 + 16,448 + 2,080 + 330 = 219,818``: the layers' counts and the model's total."""
        counts = [e.param_count for e in self.layers if e.params]
        if self.total_params is None or None in counts:
            return "unknown until the model is built"
        if len(counts) <= 1:
            return count_text(self.total_params)
        return " + ".join(count_text(c) for c in counts if c is not None) + f" = {count_text(self.total_params)}"

    def _blocks(self) -> list[Explanation]:
        return self.layers + self.losses

    def to_text(self) -> str:
        """The plain-text explanation ``print(model.explain())`` shows."""
        out = [f'Model "{self.name}" ({self.kind}): forward and backward equations with its shapes',
               "  (None = the batch size N; x = matrix product, * = element-wise, g = dC/da from above)"]
        out += [f"  note: {n}" for n in self.notes]
        for block in self._blocks():
            out += ["", block.to_text()]
        out += ["", f"parameters: {self.param_arithmetic()}"]
        if self.optimizer is not None:
            out += ["", self.optimizer.to_text()]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"<ModelExplanation {self.name}: {len(self.layers)} layers, {len(self.losses)} loss(es)>"

    def _repr_html_(self) -> str:
        """Jupyter: one table, a header row per layer, LaTeX equations and monospace shapes."""
        rows = [f'<tr><th colspan="3" style="text-align:left">Model "{html.escape(self.name)}" '
                f"({html.escape(self.kind)}); None = the batch size N</th></tr>"]
        rows += [f'<tr><td>note</td><td colspan="2" style="text-align:left">{html.escape(n)}</td></tr>'
                 for n in self.notes]
        for block in self._blocks():
            rows += block._html_rows()
        rows.append(f'<tr><th colspan="3" style="text-align:left">parameters: '
                    f"{html.escape(self.param_arithmetic())}</th></tr>")
        if self.optimizer is not None:
            rows += self.optimizer._html_rows()
        return "<table>" + "".join(rows) + "</table>"

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the layers, losses and optimizer as :meth:`Explanation.to_dict` gives them."""
        return {"name": self.name, "kind": self.kind, "layers": [e.to_dict() for e in self.layers],
                "losses": [e.to_dict() for e in self.losses],
                "optimizer": None if self.optimizer is None else self.optimizer.to_dict(),
                "total_params": self.total_params, "param_arithmetic": self.param_arithmetic(),
                "notes": list(self.notes)}


def latex_text(text: str) -> str:
    """``text`` escaped for LaTeX's ``\\text{...}`` (a name with underscores, a note)."""
    return re.sub(r"([\\{}$&#%_^~])", lambda m: "\\" + m.group(1) if m.group(1) not in "\\^~" else
                  {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}[m.group(1)], text)
