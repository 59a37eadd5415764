"""The playground's web server: one page, its static files and one websocket (one training session) per tab.

``create_app`` builds the Starlette application; ``run`` serves it with uvicorn on the loopback
interface and opens the browser.  The protocol spoken on ``/ws`` is docs/playground-protocol.md;
this module only moves messages between the socket and a :class:`~glassnet.playground.session.Session`
and never lets a bad message close the socket or stop the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from .config import Limits
from .protocol import ProtocolError, error_frame, parse_message
from .session import Session

STATIC_DIR = Path(__file__).resolve().parent / "static"
log = logging.getLogger("glassnet.playground")


def _finite(obj: Any) -> Any:
    """``obj`` with every NaN or infinity replaced by None: JSON has no NaN and the page's JSON.parse refuses it."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _plain(obj: Any) -> Any:
    """JSON's fallback for NumPy scalars and arrays, should a session hand one over."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"cannot send a {type(obj).__name__} to the page")


def encode(message: dict) -> str:
    """One outgoing message as JSON text (non-finite numbers become null)."""
    try:
        return json.dumps(message, allow_nan=False, default=_plain, separators=(",", ":"))
    except ValueError:  # a diverged loss: rare, so the walk is paid only then
        return json.dumps(_finite(json.loads(json.dumps(message, default=_plain))), separators=(",", ":"))


def _type_of(text: Any) -> str | None:
    """The ``type`` a malformed message claimed, for ``in_reply_to`` (None when it did not get that far)."""
    try:
        obj = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return None
    kind = obj.get("type") if isinstance(obj, dict) else None
    return kind if isinstance(kind, str) and len(kind) <= 40 else None


class Connection:
    """One tab: its session, the task that plays it and the one slot of the frame waiting to be sent.

    The session is touched by one thing at a time (``session_lock``): a message being handled or an epoch
    being trained, each in a worker thread so the event loop keeps answering.  While playing, the trainer
    puts each frame into a one-frame slot and a sender sends whatever is newest: a slow page skips frames
    instead of queueing them, and at most one frame is in flight.

    Every frame says how many messages the page had sent when it was made (``messages_seen``): a frame
    answering a message sent before ``play`` says ``playing: false`` while the page already plays, and
    the count tells the page that this frame is older than its ``play``.
    """

    def __init__(self, websocket: WebSocket, session: Any, limits: Limits) -> None:
        self.websocket = websocket
        self.session = session
        self.limits = limits
        self.session_lock = asyncio.Lock()
        self.send_lock = asyncio.Lock()
        self.pending: dict | None = None
        self.frame_ready = asyncio.Event()
        self.player: asyncio.Task | None = None
        self.sender: asyncio.Task | None = None
        self.messages_seen = 0  # messages received from the page so far, valid or not

    async def send(self, message: dict) -> None:
        async with self.send_lock:
            await self.websocket.send_text(encode(message))

    async def handle_text(self, text: Any) -> None:
        """Parse, hand to the session, send its answers; any failure becomes an ``error`` frame."""
        kind = None
        self.messages_seen += 1
        seen = self.messages_seen
        try:
            if text is None:
                raise ProtocolError("an empty websocket message")
            message = parse_message(text, self.limits)
            kind = message.get("type") if isinstance(message, dict) else None
            async with self.session_lock:
                replies = await asyncio.to_thread(self.session.handle, message)
                # A frame the player made before this message is stale now (e.g. before a reset): drop it.
                self.pending = None
                self.frame_ready.clear()
            for reply in replies or []:
                if reply.get("type") == "frame":
                    reply["messages_seen"] = seen
                await self.send(reply)
        except ProtocolError as exc:
            await self.send(error_frame(str(exc), kind or _type_of(text)))
        except Exception as exc:  # noqa: BLE001 - the server must outlive any message
            log.exception("playground: handling a %s message failed", kind)
            await self.send(error_frame(f"the server could not handle this {kind or 'message'}: {exc}",
                                        kind or _type_of(text)))
        if getattr(self.session, "playing", False) and (self.player is None or self.player.done()):
            self.player = asyncio.create_task(self.play())

    async def play(self) -> None:
        """Train epoch after epoch while the session says it is playing."""
        if self.sender is None or self.sender.done():
            self.sender = asyncio.create_task(self.send_frames())
        while getattr(self.session, "playing", False):
            async with self.session_lock:
                if not self.session.playing:  # paused while this task waited for the lock
                    break
                try:
                    frame = await asyncio.to_thread(self.session.advance)
                except Exception as exc:  # noqa: BLE001 - stop playing, say why, keep the socket
                    log.exception("playground: training failed")
                    self.session.playing = False
                    await self.send(error_frame(f"training stopped: {exc}", "play"))
                    return
                frame["messages_seen"] = self.messages_seen
                self.pending = frame
                self.frame_ready.set()
            await asyncio.sleep(0)  # let a waiting message (pause) take the lock between epochs

    async def send_frames(self) -> None:
        """Send the newest frame whenever the previous one is out."""
        while True:
            await self.frame_ready.wait()
            self.frame_ready.clear()
            frame, self.pending = self.pending, None
            if frame is not None:
                await self.send(frame)

    async def close(self) -> None:
        """The tab went away: stop training (the epoch in a worker thread finishes, nothing follows it)."""
        with contextlib.suppress(Exception):
            self.session.playing = False
        for task in (self.player, self.sender):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task


def create_app(limits: Limits | None = None, *, session_factory: Callable[[Any], Any] | None = None) -> Starlette:
    """The playground's application: ``/`` the page, ``/static/...`` its files, ``/ws`` one session per socket.

    Parameters
    ----------
    limits : Limits, optional
        The sizes a page may ask for (layers, neurons, samples, CSV bytes); the defaults when None.
    session_factory : callable, optional
        Makes a session from ``limits`` (default :class:`Session`); tests pass a spy.
    """
    limits = Limits() if limits is None else limits
    factory = Session if session_factory is None else session_factory

    async def page(request: Request) -> Response:
        # no-cache: a page left open from an older glassnet must not talk an older protocol
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        connection = Connection(websocket, factory(limits), limits)
        try:
            while True:
                event = await websocket.receive()
                if event["type"] == "websocket.disconnect":
                    break
                await connection.handle_text(event.get("text") if event.get("text") is not None
                                             else event.get("bytes"))
        except WebSocketDisconnect:
            pass
        except RuntimeError:  # sending on a socket the client has just closed
            pass
        finally:
            await connection.close()

    routes = [
        Route("/", page),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        WebSocketRoute("/ws", socket),
    ]
    return Starlette(routes=routes)


def run(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True, limits: Limits | None = None) -> None:
    """Serve the playground until Ctrl-C; loopback only unless ``host`` says otherwise.

    Anyone who can reach the port can train models on this machine, so binding beyond loopback
    (``host="0.0.0.0"``) is the caller's explicit choice.
    """
    import uvicorn

    url = f"http://{'localhost' if host in ('127.0.0.1', '::1', 'localhost') else host}:{port}/"
    print(f"glassnet playground: {url}  (Ctrl-C stops it)", flush=True)
    if open_browser:
        # after a short delay, so the browser does not knock before uvicorn listens
        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    uvicorn.run(create_app(limits), host=host, port=port, log_level="warning", ws_max_size=8 * 1024 * 1024)
