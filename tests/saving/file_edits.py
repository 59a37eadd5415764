"""Edits the damaged- and hostile-file tests make to saved files (one copy, shared)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import h5py


def rewrite_zip(path: Any, change: Callable[[str, bytes], bytes | None], compression: int = zipfile.ZIP_STORED) -> None:
    """Rewrite a .keras zip with ``change(name, bytes) -> bytes or None (drop)`` applied to each member."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            data = change(name, data)
            if data is not None:
                zf.writestr(name, data)


def edit_weights(path: Any, edit: Callable[[Any], None]) -> None:
    """Apply ``edit(weights_group)`` to the weights of a .keras, .h5 or .weights.h5 file."""
    if str(path).endswith(".keras"):
        def change(member: str, data: bytes) -> bytes:
            if member != "model.weights.h5":
                return data
            buf = io.BytesIO(data)
            with h5py.File(buf, "r+") as h5:
                edit(h5)
            return buf.getvalue()

        rewrite_zip(path, change)
    else:
        with h5py.File(path, "r+") as h5:
            group = h5["model_weights"] if "model_weights" in h5 else h5
            edit(LegacyView(group) if "layer_names" in group.attrs else group)


class LegacyView:
    """A legacy-layout .h5 weights group addressed with the .keras paths the tests use.

    ``layers/<layer>/vars/<i>`` is the layer group's i-th listed weight (``<layer>/<weight name>``),
    ``layers/<layer>/vars`` the layer's group, ``layers/<layer>`` too; any other path is used as it is.
    """

    def __init__(self, group: Any) -> None:
        self.group = group
        self.file = group.file

    def _path(self, key: str) -> Any:
        parts = key.split("/")
        if len(parts) < 2 or parts[0] != "layers" or parts[1] not in self.group:
            return key
        layer = parts[1]
        if len(parts) == 2:
            return layer
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in self.group[layer].attrs["weight_names"]]
        if len(parts) == 3:
            return _LayerVars(self.group[layer], names)
        return f"{layer}/{names[int(parts[3])]}"

    def __getitem__(self, key: str) -> Any:
        path = self._path(key)
        return path if isinstance(path, _LayerVars) else self.group[path]

    def __setitem__(self, key: str, value: Any) -> None:
        self.group[self._path(key)] = value

    def __delitem__(self, key: str) -> None:
        del self.group[self._path(key)]

    def __contains__(self, key: str) -> bool:
        return self._path(key) in self.group

    def create_dataset(self, key: str, *args: Any, **kwargs: Any) -> Any:
        return self.group.create_dataset(self._path(key), *args, **kwargs)

    def create_group(self, key: str) -> Any:
        return self.group.create_group(self._path(key))

    def create_virtual_dataset(self, key: str, *args: Any, **kwargs: Any) -> Any:
        return self.group.create_virtual_dataset(self._path(key), *args, **kwargs)


class _LayerVars:
    """``layers/<layer>/vars`` of a legacy file: dataset ``i`` is the layer's i-th weight name."""

    def __init__(self, group: Any, names: list[str]) -> None:
        self.group, self.names = group, names

    def create_dataset(self, index: str, *args: Any, **kwargs: Any) -> Any:
        return self.group.create_dataset(self.names[int(index)], *args, **kwargs)


class LegacyOptimizerView:
    """``optimizer_weights`` of a legacy .h5 addressed as the .keras file's ``optimizer`` group.

    ``vars/<i>`` is the i-th listed optimizer weight; a dataset created in ``vars`` is also listed.
    """

    def __init__(self, group: Any) -> None:
        self.group = group
        self.names = [n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs["weight_names"]]
        self._deleted: dict[str, tuple[int, str]] = {}

    def _path(self, key: str) -> str:
        parts = key.split("/")
        return self.names[int(parts[1])] if len(parts) == 2 and parts[0] == "vars" and parts[1].isdigit() and \
            int(parts[1]) < len(self.names) else key

    def __getitem__(self, key: str) -> Any:
        return self if key == "vars" else self.group[self._path(key)]

    def __len__(self) -> int:
        return len(self.names)

    def _list(self) -> None:
        self.group.attrs["weight_names"] = [n.encode() for n in self.names]

    def __delitem__(self, key: str) -> None:
        path = self._path(key)
        del self.group[path]
        self._deleted[key] = (self.names.index(path), path)  # unlisted, unless recreated under the same key
        self.names.remove(path)
        self._list()

    def create_dataset(self, key: str, *args: Any, **kwargs: Any) -> Any:
        if key in self._deleted:  # a replacement: back in its place in the list
            index, path = self._deleted.pop(key)
            self.names.insert(index, path)
        else:
            path = self._path(key)
            if path == key and key not in self.names:  # a new variable: list it, as Keras would have
                self.names.append(key)
        self._list()
        return self.group.create_dataset(path, *args, **kwargs)
