"""A 65 KB excerpt of Shakespeare (public domain), shipped inside glassnet for character-level models.

>>> from glassnet.datasets import tiny_shakespeare
>>> text = tiny_shakespeare.load_data()
>>> len(text), text[:14]
(64734, 'First Citizen:')
>>> len(set(text))
59

Keras' character-level text generation example downloads Nietzsche; this small bundled text
plays its part offline.  The file and its source note are in ``data/texts/`` (see its
``README.md``); its SHA-256 is checked on every load, so a damaged copy is reported instead of
training on wrong text.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .mnist import DatasetError

DATA_FILE = Path(__file__).parent / "data" / "texts" / "tiny_shakespeare.txt"

# SHA-256 of the text with line endings normalised to "\n".
CONTENT_SHA256 = "50ce170814d4e6ef26f94cab2cfb01730a379e9b14676bda967e9437c65395d0"


def load_data(path: str | os.PathLike[str] | None = None, verify: bool = True) -> str:
    """The excerpt as one ``str`` (ASCII, ``"\\n"`` line endings).

    Parameters
    ----------
    path : path-like, optional
        Another copy of the file; the bundled one by default.
    verify : bool, default True
        Check the content's SHA-256 (only meaningful for the bundled file's content).
    """
    file = Path(path) if path is not None else DATA_FILE
    try:
        raw = file.read_bytes().replace(b"\r\n", b"\n")
    except OSError as err:
        raise DatasetError(f"tiny_shakespeare: cannot read {file} ({err})") from None
    if verify:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != CONTENT_SHA256:
            raise DatasetError(f"{file}: content checksum mismatch (sha256 {digest[:12]}..., expected "
                               f"{CONTENT_SHA256[:12]}...); the copy is damaged or not the bundled text")
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError as err:
        raise DatasetError(f"{file}: not ASCII text ({err})") from None
