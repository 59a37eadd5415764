"""``model.summary(expand_nested=True)`` lists a nested model's layers under it, as Keras does."""

from __future__ import annotations

import glassnet as keras


def _lines(model, **kwargs) -> list[str]:
    out: list[str] = []
    model.summary(print_fn=out.append, **kwargs)
    return "\n".join(out).splitlines()


def test_nested_layers_are_listed_indented_under_their_model_only_when_asked():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)], name="inner")
    x = keras.Input((3,))
    model = keras.Model(x, keras.layers.Dense(1)(inner(x)))
    plain = _lines(model)
    assert not any("│ └ " in line for line in plain)  # (the table's own bottom border also starts with └)
    expanded = _lines(model, expand_nested=True)
    rows = [line for line in expanded if "(Dense)" in line or "(Sequential)" in line]
    assert [r.split("│")[1].strip() for r in rows] == ["inner (Sequential)", "└ dense (Dense)", "└ dense_1 (Dense)",
                                                       "dense_2 (Dense)"]
    assert any("16" in r for r in rows if "└ dense (Dense)" in r)  # the nested layer's own parameter count
    assert expanded[-3:] == plain[-3:]  # the totals are the model's, counted once
