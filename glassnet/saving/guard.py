"""What a model file may contain before glassnet reads a single weight from it.

A model file is data from somewhere else, so before anything is read it is
inspected whole, and refused with a :class:`SavedModelError` naming the file and
the member or dataset when it could reach outside itself or outgrow memory:

* **Nothing outside the file.**  HDF5 can make a dataset whose bytes live in
  another file (*external storage*), a *virtual dataset* stitched from other
  files, an *external link* to an object of another file, and user-defined
  links.  Each is refused wherever it sits in the file, before any data is read.
  A soft link must resolve inside the file.  Filters are limited to HDF5's own
  (deflate, shuffle, fletcher32, szip, n-bit, scale-offset) and LZF: any other
  filter would make the HDF5 library load a plugin library, that is, run code.
* **Only numbers.**  Every dataset holds real numbers (integers or floats); strings,
  compound records, opaque bytes (a pickle), references and complex numbers are
  refused, so assigning a checked array can never fail half-way.
* **Bounded memory.**  A zip member may not inflate past ``MAX_INFLATION`` times
  its stored size (plus ``SIZE_SLACK``); JSON texts (``config.json``,
  ``model_config``) are capped at ``MAX_JSON_BYTES``; the datasets together may
  not declare more than ``MAX_INFLATION`` times the bytes they occupy in the file
  (plus ``SIZE_SLACK``).  A rebuilt model may not create more weight values than
  the file holds (see :mod:`glassnet.engine.allocation`).  So the memory a load
  takes is bounded by a fixed multiple of the file's size plus a constant.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

from .errors import SavedModelError

MAX_JSON_BYTES = 64 * 2 ** 20
"""Largest ``config.json``/``model_config`` text accepted (real configs are kilobytes)."""
MAX_METADATA_BYTES = 2 ** 20
MAX_INFLATION = 64
"""How many times its stored size a member or dataset may expand to (weights barely compress)."""
SIZE_SLACK = 16 * 2 ** 20
MAX_OBJECTS = 1_000_000
"""Links walked in one HDF5 file before it is refused as a maze."""
MIN_SAMPLE_BYTES = 256 * 2 ** 20
"""A loaded model's one-sample placeholder may always take this much (more if its weights are larger)."""

# HDF5's predefined filters and LZF (built into h5py); any other id would load a plugin library.
_SAFE_FILTERS = {1: "deflate", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset", 32000: "lzf"}
_LINK_KINDS = {h5py.h5l.TYPE_HARD: "hard", h5py.h5l.TYPE_SOFT: "soft", h5py.h5l.TYPE_EXTERNAL: "external"}


# -- zip members ------------------------------------------------------------------------------------
def read_member(zf: zipfile.ZipFile, name: str, source: str, cap: int | None = None) -> bytes:
    """The bytes of zip member ``name``, refused before inflating when too large.

    ``zipfile`` stops inflating at the size the member declares (and then checks the CRC),
    so checking the declared size bounds the memory taken.
    """
    info = zf.getinfo(name)
    limit = MAX_INFLATION * info.compress_size + SIZE_SLACK
    if cap is not None:
        limit = min(limit, cap)
    if info.file_size > limit:
        raise SavedModelError(f"'{source}': the member '{name}' inflates to {info.file_size:,} bytes from "
                              f"{info.compress_size:,}, over the {limit:,} allowed: the file is damaged or "
                              "crafted to exhaust memory")
    return zf.read(name)


def parse_json(raw: bytes | str, source: str, what: str, cap: int | None = None) -> Any:
    """``json.loads`` of a config text, refusing texts over ``cap`` bytes and invalid JSON by name."""
    cap = MAX_JSON_BYTES if cap is None else cap
    if len(raw) > cap:
        raise SavedModelError(f"'{source}': the {what} is {len(raw):,} bytes, over the {cap:,} a config may take")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
        return json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise SavedModelError(f"'{source}': the {what} is not valid JSON ({type(err).__name__}: "
                              f"{str(err)[:200]}); the file is corrupted") from err


def read_json_attr(h5: Any, name: str, source: str) -> Any:
    """A JSON text stored as an HDF5 attribute (None when absent), size-checked before it is read."""
    if name not in h5.attrs:
        return None
    # A fixed-length text is sized before it is read; a variable-length one lives in the file's heap,
    # so reading it takes no more memory than the file's own bytes (and parse_json then caps it).
    size = h5.attrs.get_id(name).get_storage_size()
    if size > MAX_JSON_BYTES:
        raise SavedModelError(f"'{source}': the attribute '{name}' is {size:,} bytes, over the {MAX_JSON_BYTES:,} "
                              "a config may take")
    raw = h5.attrs[name]
    if isinstance(raw, np.ndarray) and raw.shape == ():
        raw = raw[()]
    if not isinstance(raw, (bytes, str)):
        raise SavedModelError(f"'{source}': the attribute '{name}' should be a JSON text, not "
                              f"{type(raw).__name__}")
    return parse_json(raw, source, f"attribute '{name}'")


# -- HDF5 ---------------------------------------------------------------------------------------------
@dataclass
class Inventory:
    """What :func:`inspect_h5` found: dataset paths and their total declared values and bytes."""

    datasets: dict[str, tuple[tuple[int, ...], np.dtype]]
    values: int
    declared_bytes: int
    stored_bytes: int


def inspect_h5(h5: Any, source: str) -> Inventory:
    """Walk every link of an open HDF5 file and refuse anything unsafe (see the module docstring)."""
    inventory = Inventory({}, 0, 0, 0)
    seen: set[Any] = set()
    stack: list[tuple[Any, str]] = [(h5["/"], "")]
    walked = 0
    while stack:
        group, prefix = stack.pop()
        if group.id in seen:  # hard links can make cycles
            continue
        seen.add(group.id)
        for name in list(group):
            walked += 1
            if walked > MAX_OBJECTS:
                raise SavedModelError(f"'{source}' holds more than {MAX_OBJECTS:,} HDF5 objects; refused")
            path = f"{prefix}/{name}"
            kind = _LINK_KINDS.get(group.id.links.get_info(name.encode()).type, "user-defined")
            if kind == "external":
                target = group.get(name, getlink=True)
                raise SavedModelError(f"'{source}': '{path}' is an external link to '{target.path}' in "
                                      f"'{target.filename}'; a model file may not refer to other files")
            if kind == "user-defined":
                raise SavedModelError(f"'{source}': '{path}' is a user-defined HDF5 link; refused")
            if kind == "soft":
                _check_soft_link(h5, group, name, path, source)
                continue  # its target is walked through its hard link
            obj = group[name]
            if isinstance(obj, h5py.Group):
                stack.append((obj, path))
            elif isinstance(obj, h5py.Dataset):
                _check_dataset(obj, path, source, inventory)
            else:
                raise SavedModelError(f"'{source}': '{path}' is an HDF5 {type(obj).__name__}, not a group or "
                                      "dataset; refused")
    if inventory.declared_bytes > MAX_INFLATION * inventory.stored_bytes + SIZE_SLACK:
        raise SavedModelError(
            f"'{source}': its datasets declare {inventory.declared_bytes:,} bytes but occupy "
            f"{inventory.stored_bytes:,} in the file (over {MAX_INFLATION}x): the file is damaged or crafted "
            "to exhaust memory")
    return inventory


def _check_soft_link(h5: Any, group: Any, name: str, path: str, source: str) -> None:
    target = group.get(name, getlink=True).path
    # Resolve component by component without following anything but hard and soft links inside the file.
    if not isinstance(target, str) or not target.startswith("/"):
        target = f"{group.name.rstrip('/')}/{target}"
    node = h5["/"]
    for part in [p for p in target.split("/") if p]:
        if not isinstance(node, h5py.Group) or not node.id.links.exists(part.encode()):
            raise SavedModelError(f"'{source}': '{path}' is a soft link to '{target}', which does not exist in "
                                  "the file")
        if node.id.links.get_info(part.encode()).type != h5py.h5l.TYPE_HARD:
            raise SavedModelError(f"'{source}': '{path}' is a soft link through another link ('{target}'); "
                                  "refused")
        node = node[part]


def _check_dataset(ds: Any, path: str, source: str, inventory: Inventory) -> None:
    plist = ds.id.get_create_plist()
    if plist.get_layout() == h5py.h5d.VIRTUAL:
        raise SavedModelError(f"'{source}': the dataset '{path}' is a virtual dataset made from other files; "
                              "a model file may not refer to other files")
    if plist.get_external_count() > 0:
        names = [plist.get_external(i)[0].decode(errors="replace") for i in range(plist.get_external_count())]
        raise SavedModelError(f"'{source}': the dataset '{path}' keeps its data in external file(s) {names}; a "
                              "model file may not refer to other files")
    for i in range(plist.get_nfilters()):
        filter_id = plist.get_filter(i)[0]
        if filter_id not in _SAFE_FILTERS:
            raise SavedModelError(f"'{source}': the dataset '{path}' uses HDF5 filter {filter_id}, which would need "
                                  "a plugin library loaded; only HDF5's own filters and LZF are accepted")
    dtype = ds.dtype
    if dtype.kind not in "iuf" or dtype.fields is not None or h5py.check_dtype(vlen=dtype) is not None:
        raise SavedModelError(f"'{source}': the dataset '{path}' holds {_describe(dtype)}, not real numbers; "
                              "weights are integers or floats")
    shape = tuple(int(n) for n in ds.shape)
    values = int(np.prod(shape, dtype=object))
    inventory.datasets[path] = (shape, dtype)
    inventory.values += values
    inventory.declared_bytes += values * dtype.itemsize
    inventory.stored_bytes += int(ds.id.get_storage_size())


def _describe(dtype: np.dtype) -> str:
    if h5py.check_dtype(vlen=dtype) is not None or dtype.kind in "SUO":
        return f"strings or objects ({dtype})"
    if dtype.fields is not None:
        return f"compound records ({dtype})"
    if dtype.kind == "V":
        return f"opaque bytes ({dtype})"
    if dtype.kind == "c":
        return f"complex numbers ({dtype})"
    if dtype.kind == "b":
        return "booleans"
    return f"values of type {dtype}"
