"""The wire format: messages are checked field by field, grids encode as documented, and no malformed
message (fuzzed) makes the session raise or stop working."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from glassnet.playground import Limits, ProtocolError, Session, decode_grid, encode_grid, error_frame, parse_message

LIMITS = Limits()


@pytest.fixture(scope="module")
def session() -> Session:
    return Session(seed=7)


@pytest.mark.parametrize("text", [
    '{"type": "play"}', '{"type": "step"}', '{"type": "reset", "seed": 3, "regenerate": true}',
    '{"type": "set_weight", "layer": 0, "from": 1, "to": 2, "value": -0.5}',
    '{"type": "focus", "layer": -1, "neuron": null}', '{"type": "export", "format": "keras"}',
    '{"type": "config", "config": {"noise": 10}}',
])
def test_good_messages_parse(text):
    message = parse_message(text, LIMITS)
    assert message == {k: (float(v) if k == "value" else v) for k, v in json.loads(text).items()}
    assert parse_message(text.encode(), LIMITS) == message


@pytest.mark.parametrize("text, names", [
    ("not json", "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ('{"kind": "play"}', "type: unknown message type"),
    ('{"type": "jump"}', "type: unknown message type 'jump'"),
    ('{"type": "play", "speed": 2}', "play.speed: unknown field"),
    ('{"type": "config"}', "config.config: is missing"),
    ('{"type": "config", "config": [1]}', "config.config: must be an object"),
    ('{"type": "reset", "seed": -4}', "reset.seed"),
    ('{"type": "reset", "regenerate": "yes"}', "reset.regenerate"),
    ('{"type": "set_weight", "layer": 0, "from": 0, "to": 0, "value": NaN}', "NaN is not a number"),
    ('{"type": "set_weight", "layer": 0, "from": 0, "to": 0, "value": 1e400}', "set_weight.value"),
    ('{"type": "set_weight", "layer": 0, "from": 0, "to": 0, "value": 1e7}', "set_weight.value"),
    ('{"type": "set_weight", "layer": 0.5, "from": 0, "to": 0, "value": 1}', "set_weight.layer"),
    ('{"type": "set_bias", "layer": 0, "neuron": true, "value": 1}', "set_bias.neuron"),
    ('{"type": "focus", "layer": -2, "neuron": 0}', "focus.layer"),
    ('{"type": "export", "format": "onnx"}', "export.format"),
    ('{"type": "upload_csv", "name": 3, "text": "a"}', "upload_csv.name"),
    ('{"type": "digit", "pixels": 255}', "digit.pixels"),
])
def test_bad_messages_are_refused_by_field(text, names):
    with pytest.raises(ProtocolError, match=names):
        parse_message(text, LIMITS)


def test_the_size_cap_comes_before_parsing():
    with pytest.raises(ProtocolError, match="over the limit of 100 bytes"):
        parse_message('{"type": "play", "x": "' + "a" * 200 + '"}', Limits(max_message_bytes=100))


def test_a_grid_is_row_major_from_the_top_with_the_documented_bytes():
    values = np.array([[-1.0, 0.0], [1.0, np.nan]])
    grid = encode_grid(values)
    assert grid["size"] == 2
    assert list(base64.b64decode(grid["data"])) == [0, 128, 255, 127]  # (v + 1) / 2 * 255, NaN -> 127
    assert np.allclose(decode_grid(encode_grid(np.linspace(-1, 1, 16).reshape(4, 4))),
                       np.linspace(-1, 1, 16).reshape(4, 4), atol=1 / 255)
    assert list(base64.b64decode(encode_grid([[5.0, -9.0], [0.5, 0]])["data"]))[:2] == [255, 0]  # clipped


def test_error_frame():
    assert error_frame("config.noise: bad", "config") == {"type": "error", "message": "config.noise: bad",
                                                          "in_reply_to": "config"}


def _fuzz_messages() -> list[object]:
    rng = np.random.default_rng(0)
    messages: list[object] = [bytes(rng.integers(0, 256, n, dtype=np.uint8)) for n in (0, 1, 7, 300)]
    messages += ["", "null", "true", "3", '"play"', "{}", '{"type": null}', '{"type": 5}', '{"type": ["step"]}',
                 "[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000,
                 '{"type": "play"' + " " * (5 << 20) + "}", b"\xff\xfe\x00{",
                 {"type": "config", "config": {"hidden": [{"units": 10**100}]}},
                 {"type": "config", "config": {"batch_size": -5}}, {"type": "config", "config": {"seed": 1e300}},
                 {"type": "config", "config": {"noise": float("inf")}}, {"type": "config", "config": None},
                 {"type": "config", "config": {"hidden": [[[[[]]]]]}}, {"type": "config", "config": {"features": {}}},
                 {"type": "set_weight", "layer": 99, "from": 0, "to": 0, "value": 1.0},
                 {"type": "set_weight", "layer": 0, "from": 2**31, "to": 0, "value": 1.0},
                 {"type": "set_weight", "layer": 0, "from": 0, "to": 9, "value": 1.0},
                 {"type": "set_bias", "layer": 1, "neuron": 5, "value": 0.0},
                 {"type": "set_bias", "layer": 0, "neuron": 0, "value": float("nan")},
                 {"type": "focus", "layer": 7, "neuron": 0}, {"type": "focus", "layer": 0, "neuron": 4},
                 {"type": "reset", "seed": 2**64}, {"type": "export", "format": None},
                 {"type": "upload_csv", "name": "x.csv", "text": "a,b,c\n1,2"},
                 {"type": "upload_csv", "name": "x.csv", "text": "x" * (2 << 20)},
                 {"type": "digit", "pixels": "!!!not base64"}, {"type": "digit", "pixels": base64.b64encode(b"\0" * 10)
                                                                .decode()},
                 {"type": "digit", "pixels": base64.b64encode(b"\0" * 900).decode()},  # 30 x 30, no ink
                 [1, 2, 3], None, 42]
    return messages


def test_fuzzed_messages_only_ever_give_error_frames_and_change_nothing(session):
    before = session.frame()
    config = dict(session.config)
    for message in _fuzz_messages():
        if isinstance(message, (str, bytes)):
            try:
                message = parse_message(message, LIMITS)
            except ProtocolError as exc:
                assert str(exc)
                continue
            replies = session.handle(message)
        else:
            replies = session.handle(message)
        assert [r["type"] for r in replies] == ["error"], (message if len(repr(message)) < 200 else "", replies)
        assert replies[0]["message"]
    assert session.config == config
    after = session.frame()
    assert after["weights"] == before["weights"] and after["epoch"] == before["epoch"]
    assert session.handle({"type": "step"})[0]["epoch"] == before["epoch"] + 1  # still usable


def test_handle_also_takes_the_raw_text(session):
    assert session.handle('{"type": "pause"}')[0]["type"] == "frame"
    reply = session.handle(b'{"type": "config", "config": {"noise": 99}}')
    assert reply[0]["type"] == "error" and reply[0]["in_reply_to"] == "config" and "config.noise" in reply[0]["message"]
