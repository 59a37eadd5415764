"""The playground's wire format: parse and check a page's message, build an error frame, encode a grid.

Every check here is about the *shape* of a message (see ``docs/playground-protocol.md``): JSON, an
object, a known ``type``, each field of the right kind and in range.  Whether a layer index exists
in the current network is the session's question.  Nothing here raises anything but
:class:`ProtocolError`, which the session turns into an ``error`` frame.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np


class ProtocolError(ValueError):
    """A message the playground refuses; its text names the field or the problem."""


_INT_LIMIT = 2**31 - 1   # indices and seeds beyond this are never meaningful
_VALUE_LIMIT = 1e6       # an edited weight or bias past this only makes NaN

# For each page -> server type: field -> (kind, required).  Kinds are checked by _check_field.
MESSAGE_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "config": {"config": ("object", True)},
    "play": {},
    "pause": {},
    "step": {},
    "reset": {"seed": ("seed", False), "regenerate": ("bool", False)},
    "set_weight": {"layer": ("index", True), "from": ("index", True), "to": ("index", True), "value": ("value", True)},
    "set_bias": {"layer": ("index", True), "neuron": ("index", True), "value": ("value", True)},
    "focus": {"layer": ("focus_layer", True), "neuron": ("index_or_null", True)},
    "upload_csv": {"name": ("name", True), "text": ("text", True)},
    "export": {"format": ("format", True)},
    "digit": {"pixels": ("text", True)},
}


def _reject_constant(name: str) -> float:
    raise ProtocolError(f"message: {name} is not a number JSON allows")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_field(msg_type: str, field: str, kind: str, value: Any) -> Any:
    where = f"{msg_type}.{field}"
    if kind == "object":
        if not isinstance(value, dict):
            raise ProtocolError(f"{where}: must be an object, got {type(value).__name__}")
    elif kind in ("index", "seed", "focus_layer") or (kind == "index_or_null" and value is not None):
        low = -1 if kind == "focus_layer" else 0
        high = 2**32 - 1 if kind == "seed" else _INT_LIMIT
        if not _is_int(value) or not low <= value <= high:
            raise ProtocolError(f"{where}: must be an integer in [{low}, {high}], got {value!r}")
    elif kind == "value":
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) \
                or abs(value) > _VALUE_LIMIT:
            raise ProtocolError(f"{where}: must be a finite number of size at most {_VALUE_LIMIT:g}, got {value!r}")
        value = float(value)
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ProtocolError(f"{where}: must be true or false, got {value!r}")
    elif kind in ("text", "name"):
        if not isinstance(value, str):
            raise ProtocolError(f"{where}: must be a string, got {type(value).__name__}")
        if kind == "name" and len(value) > 255:
            raise ProtocolError(f"{where}: is longer than 255 characters")
    elif kind == "format":
        if value not in ("python", "keras"):
            raise ProtocolError(f"{where}: must be 'python' or 'keras', got {value!r}")
    return value


def parse_message(text: str | bytes, limits: Any) -> dict[str, Any]:
    """Decode and check one page -> server message.

    Parameters
    ----------
    text : str or bytes
        The websocket frame.
    limits : Limits
        Its ``max_message_bytes`` caps the size.

    Returns
    -------
    dict
        The message with its ``type`` and checked fields (numbers of ``value`` fields as float).

    Raises
    ------
    ProtocolError
        Too large, not UTF-8 JSON, not an object, unknown type, unknown/missing/bad field.
    """
    if not isinstance(text, (str, bytes, bytearray)):
        raise ProtocolError(f"message: must be text, got {type(text).__name__}")
    size = len(text) if not isinstance(text, str) else len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_message_bytes:
        raise ProtocolError(f"message: {size} bytes is over the limit of {limits.max_message_bytes} bytes")
    try:
        message = json.loads(text, parse_constant=_reject_constant)
    except ProtocolError:
        raise
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise ProtocolError(f"message: not valid JSON ({str(exc)[:80]})") from None
    return check_message(message)


def check_message(message: Any) -> dict[str, Any]:
    """Check an already decoded message (see :func:`parse_message`)."""
    if not isinstance(message, dict):
        raise ProtocolError(f"message: must be a JSON object with a 'type', got {type(message).__name__}")
    msg_type = message.get("type")
    if not isinstance(msg_type, str) or msg_type not in MESSAGE_FIELDS:
        raise ProtocolError(f"type: unknown message type {str(msg_type)[:40]!r}; known: {', '.join(MESSAGE_FIELDS)}")
    fields = MESSAGE_FIELDS[msg_type]
    unknown = sorted(k for k in message if k != "type" and k not in fields)
    if unknown:
        raise ProtocolError(f"{msg_type}.{str(unknown[0])[:40]}: unknown field (known: {', '.join(fields) or 'none'})")
    out: dict[str, Any] = {"type": msg_type}
    for field, (kind, required) in fields.items():
        if field not in message:
            if required:
                raise ProtocolError(f"{msg_type}.{field}: is missing")
            continue
        out[field] = _check_field(msg_type, field, kind, message[field])
    return out


def error_frame(message: str, in_reply_to: str | None = None) -> dict[str, Any]:
    """The ``error`` frame: a sentence naming the field or problem, and the type it answers."""
    return {"type": "error", "message": str(message), "in_reply_to": in_reply_to}


def encode_grid(values: Any) -> dict[str, Any]:
    """An n x n array of values in [-1, 1] as the protocol's grid ``{"size": n, "data": base64}``.

    Values are clipped to [-1, 1] and mapped to bytes ``round((v + 1) / 2 * 255)``; NaN becomes 127.
    Row 0 is the top of the picture.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"encode_grid: expects a square 2-D array, got shape {arr.shape}")
    nan = np.isnan(arr)
    scaled = np.rint((np.clip(np.where(nan, 0.0, arr), -1.0, 1.0) + 1.0) * 127.5)
    data = np.where(nan, 127, scaled).astype(np.uint8)
    return {"size": int(arr.shape[0]), "data": base64.b64encode(data.tobytes()).decode("ascii")}


def decode_grid(grid: dict[str, Any]) -> np.ndarray:
    """The values of a grid made by :func:`encode_grid` (to 1/255 precision; NaN reads back as about 0)."""
    n = int(grid["size"])
    data = np.frombuffer(base64.b64decode(grid["data"]), dtype=np.uint8)
    if data.size != n * n:
        raise ValueError(f"decode_grid: {data.size} bytes for a {n} x {n} grid")
    return data.reshape(n, n).astype(np.float64) / 255.0 * 2.0 - 1.0
