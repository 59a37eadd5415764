"""The playground's server: the page and its files are served, the websocket speaks the protocol, survives any
malformed message with an ``error`` frame, skips frames for a slow page, and stops training when the tab closes."""

from __future__ import annotations

import asyncio
import json
import time
import warnings

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")  # Starlette's TestClient

with warnings.catch_warnings():  # newer Starlette prefers httpx2; the minimum versions know only httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from glassnet import cli  # noqa: E402
from glassnet.playground import server  # noqa: E402
from glassnet.playground.config import Limits  # noqa: E402
from glassnet.playground.session import Session  # noqa: E402

STATIC_FILES = ["playground.js", "playground.css", "view.js", "network.js", "guide.js", "digit.js"]


class CountingSession(Session):
    """A real session that counts the epochs it trains and remembers every instance."""

    made: list[CountingSession] = []

    def __init__(self, limits: Limits | None = None) -> None:
        super().__init__(limits, seed=1)
        self.advances = 0
        CountingSession.made.append(self)

    def advance(self) -> dict:
        self.advances += 1
        return super().advance()


@pytest.fixture
def client() -> TestClient:
    CountingSession.made.clear()
    with TestClient(server.create_app(session_factory=CountingSession)) as c:
        yield c


def _receive(ws, kind: str, limit: int = 50) -> dict:
    """The next message of ``kind`` (frames of a playing session may come first)."""
    for _ in range(limit):
        message = json.loads(ws.receive_text())
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message in {limit}")


def test_the_page_and_its_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'id="heatmap"' in page.text and "/static/playground.js" in page.text
    for name in STATIC_FILES:
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert len(response.text) > 500, name
    assert client.get("/static/missing.js").status_code == 404
    assert client.get("/static/../server.py").status_code == 404  # nothing outside static/ is served


def test_the_page_loads_nothing_from_the_internet(client):
    for name in ["index.html", *STATIC_FILES]:
        text = client.get("/" if name == "index.html" else f"/static/{name}").text
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text, name


def test_config_step_and_frames(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"type": "config", "config": {"dataset": "xor", "hidden": [{"units": 3}]}}))
        state = _receive(ws, "state")
        assert state["config"]["dataset"] == "xor" and len(state["points"]["train"]) == state["n_train"]
        frame = _receive(ws, "frame")
        assert frame["epoch"] == 0 and frame["heatmap"]["size"] == 100
        assert [len(layer) for layer in frame["neurons"]][:2] == [2, 3]
        ws.send_text(json.dumps({"type": "step"}))
        frame = _receive(ws, "frame")
        assert frame["epoch"] == 1 and frame["playing"] is False
        ws.send_text(json.dumps({"type": "set_bias", "layer": 0, "neuron": 1, "value": 0.75}))
        assert _receive(ws, "frame")["biases"][0][1] == pytest.approx(0.75)


MALFORMED = [
    "", "not json", "{", "[]", "42", "null", '"play"', "{}", '{"type": 3}', '{"type": "fly"}',
    '{"type": "config"}', '{"type": "config", "config": []}', '{"type": "config", "config": {"noise": "lots"}}',
    '{"type": "config", "config": {"learning_rate": -1}}', '{"type": "config", "config": {"colour": "red"}}',
    '{"type": "config", "config": {"hidden": [{"units": 1000}]}}',
    '{"type": "config", "config": {"hidden": [{"units": 2}, {"units": 2}, {"units": 2}, {"units": 2}, '
    '{"units": 2}, {"units": 2}, {"units": 2}]}}',
    '{"type": "config", "config": {"features": []}}', '{"type": "config", "config": {"batch_size": 1e9}}',
    '{"type": "set_weight", "layer": 0, "from": 0, "to": 0}',
    '{"type": "set_weight", "layer": 99, "from": 0, "to": 0, "value": 1}',
    '{"type": "set_weight", "layer": 0, "from": -1, "to": 0, "value": 1}',
    '{"type": "set_weight", "layer": 0, "from": 0, "to": 0, "value": "big"}',
    '{"type": "set_weight", "layer": 0, "from": 0, "to": 0, "value": NaN}',
    '{"type": "set_weight", "layer": 0, "from": 0, "to": 0, "value": 1e308}',
    '{"type": "set_bias", "layer": true, "neuron": 0, "value": 1}',
    '{"type": "focus", "layer": -2, "neuron": 0}', '{"type": "focus", "layer": 0, "neuron": 1.5}',
    '{"type": "reset", "seed": "abc"}', '{"type": "export", "format": "exe"}', '{"type": "export"}',
    '{"type": "upload_csv", "name": "a.csv", "text": "x1,x2,label\\n1,abc,1\\n"}',
    '{"type": "upload_csv", "name": "a.csv", "text": 12}', '{"type": "upload_csv", "name": "a.csv", "text": ""}',
    '{"type": "digit", "pixels": "!!!not base64"}', '{"type": "digit", "pixels": "AAAA"}',
    "[" * 100_000 + "]" * 100_000,
    json.dumps({"type": "upload_csv", "name": "big.csv", "text": "x" * (5 << 20)}),
]


def test_every_malformed_message_is_answered_by_an_error_and_the_socket_stays_usable(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"type": "config", "config": {}}))
        _receive(ws, "frame")
        for text in MALFORMED:
            ws.send_text(text)
            reply = json.loads(ws.receive_text())
            assert reply["type"] == "error", (text[:80], reply)
            assert isinstance(reply["message"], str) and reply["message"], text[:80]
            assert "in_reply_to" in reply
        ws.send_bytes(b"\xff\xfe binary")
        assert json.loads(ws.receive_text())["type"] == "error"
        ws.send_text(json.dumps({"type": "step"}))
        assert _receive(ws, "frame")["epoch"] == 1  # nothing above changed the session


def test_playing_streams_frames_and_pause_stops_them(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"type": "play"}))
        epochs = [_receive(ws, "frame")["epoch"] for _ in range(3)]
        assert epochs == sorted(epochs) and epochs[0] >= 1
        ws.send_text(json.dumps({"type": "pause"}))
        for _ in range(200):  # frames already sent may still arrive; then one that says it stopped
            if not json.loads(ws.receive_text())["playing"]:
                break
        assert CountingSession.made[0].playing is False


def test_every_frame_says_how_many_messages_the_server_had_received(client):
    """A frame answering a message sent before ``play`` (here a config edit) carries a smaller count than the
    frames of the play loop, so that the page can tell it from the server stopping."""
    with client.websocket_connect("/ws") as ws:
        ws.send_text("not json")                                          # message 1: an error, counted too
        assert json.loads(ws.receive_text())["type"] == "error"
        ws.send_text(json.dumps({"type": "config", "config": {"noise": 5}}))   # message 2
        ws.send_text(json.dumps({"type": "play"}))                        # message 3
        reply = _receive(ws, "frame")
        assert reply["messages_seen"] == 2 and reply["playing"] is False
        frame = _receive(ws, "frame")
        assert frame["messages_seen"] == 3 and frame["playing"] is True and frame["epoch"] == 1
        ws.send_text(json.dumps({"type": "pause"}))                       # message 4
        for _ in range(200):  # frames already on their way, then the pause's answer
            frame = json.loads(ws.receive_text())
            if not frame["playing"]:
                break
        assert frame["messages_seen"] == 4


def test_closing_the_socket_stops_training(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"type": "play"}))
        _receive(ws, "frame")
        _receive(ws, "frame")
    session = CountingSession.made[0]
    time.sleep(0.3)  # the epoch running at the close may finish
    before = session.advances
    time.sleep(0.5)
    assert session.advances == before
    assert session.playing is False


class _SlowSocket:
    """A websocket whose page takes 50 ms to take each message."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send_text(self, text: str) -> None:
        await asyncio.sleep(0.05)
        self.sent.append(json.loads(text))


class _FastSession:
    """Trains an 'epoch' in a millisecond."""

    def __init__(self) -> None:
        self.playing, self.epoch = False, 0

    def handle(self, message: dict) -> list[dict]:
        self.playing = message["type"] == "play"
        return []

    def advance(self) -> dict:
        time.sleep(0.001)
        self.epoch += 1
        return {"type": "frame", "epoch": self.epoch, "playing": True}


def test_a_slow_page_gets_the_newest_frame_not_a_queue():
    async def scenario() -> tuple[list[dict], int]:
        sock, session = _SlowSocket(), _FastSession()
        connection = server.Connection(sock, session, Limits())
        await connection.handle_text(json.dumps({"type": "play"}))
        await asyncio.sleep(0.6)
        await connection.close()
        return sock.sent, session.epoch

    sent, epochs = asyncio.run(scenario())
    assert 3 <= len(sent) <= 15 and epochs > 2 * len(sent)  # frames were skipped, not queued
    received = [m["epoch"] for m in sent]
    assert received == sorted(received) and received[-1] > len(received)


def test_non_finite_numbers_reach_the_page_as_null():
    assert json.loads(server.encode({"type": "frame", "train_loss": float("nan"), "x": [float("inf"), 1.5]})) == {
        "type": "frame", "train_loss": None, "x": [None, 1.5]}


def test_the_cli_serves_with_the_limits_asked_for(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(server, "run", lambda **kwargs: calls.append(kwargs))
    assert cli.main(["playground", "--port", "8123", "--no-browser", "--max-layers", "3", "--max-neurons", "5"]) == 0
    assert calls[0]["port"] == 8123 and calls[0]["host"] == "127.0.0.1" and calls[0]["open_browser"] is False
    assert (calls[0]["limits"].max_layers, calls[0]["limits"].max_neurons) == (3, 5)
    assert cli.main(["playground", "--max-layers", "0"]) == 2
    assert "--max-layers" in capsys.readouterr().err


def test_the_limits_reach_the_page():
    with TestClient(server.create_app(Limits(max_layers=2))) as c, c.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"type": "config", "config": {}}))
        assert _receive(ws, "state")["limits"]["max_layers"] == 2
        ws.send_text(json.dumps({"type": "config", "config": {"hidden": [{"units": 1}] * 3}}))
        assert "at most 2" in _receive(ws, "error")["message"]
