"""The browser playground's engine: TensorFlow Playground's page, trained in Python with glassnet.

The server (``glassnet playground``) keeps one :class:`Session` per websocket and passes it each
message (``docs/playground-protocol.md``); this package holds everything but the socket: the
config and its checks (:mod:`.config`), the wire format (:mod:`.protocol`), the network and its
frames (:mod:`.network`, :mod:`.frames`), CSV uploads, the export and "Draw a digit".
"""

from .config import DEFAULT_CONFIG, Limits, from_url_hash, to_url_hash, validate_config
from .protocol import ProtocolError, decode_grid, encode_grid, error_frame, parse_message
from .session import Session

__all__ = ["DEFAULT_CONFIG", "Limits", "ProtocolError", "Session", "decode_grid", "encode_grid", "error_frame",
           "from_url_hash", "parse_message", "to_url_hash", "validate_config"]
