"""``get_file``: Keras' download-and-cache helper, offline.

glassnet never downloads (it runs where there may be no network). ``get_file`` computes the very
path Keras would download to (``$KERAS_HOME`` or ``~/.keras``, then ``cache_subdir``, then the
file name), returns it when the file is there (after checking ``file_hash`` if given), extracts an
archive when asked, and otherwise raises :class:`OfflineError` naming the file, the URL and the
exact place to put it. A file downloaded by Keras on another machine can be copied over as is.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any


class OfflineError(FileNotFoundError):
    """The file is not in the cache and glassnet does not download it."""


def keras_home() -> str:
    """Keras' cache root: ``$KERAS_HOME``, else ``~/.keras``."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def hash_file(fpath: Any, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    """The hex digest of a file (``"sha256"`` or ``"md5"``)."""
    hasher = hashlib.sha256() if algorithm in ("sha256", "auto") else hashlib.md5()
    with open(fpath, "rb") as fh:
        for chunk in iter(lambda: fh.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: Any, file_hash: str, algorithm: str = "auto") -> bool:
    """Whether the file's sha256 (64 hex digits, or ``algorithm="sha256"``) or md5 is ``file_hash``."""
    if algorithm == "auto":
        algorithm = "sha256" if len(file_hash) == 64 else "md5"
    return hash_file(fpath, algorithm) == str(file_hash).lower()


def get_file(fname: Any = None, origin: str | None = None, untar: bool = False, md5_hash: str | None = None,
             file_hash: str | None = None, cache_subdir: str = "datasets", hash_algorithm: str = "auto",
             extract: bool = False, archive_format: Any = "auto", cache_dir: Any = None,
             force_download: bool = False) -> str:
    """The cached copy of ``origin``, where Keras keeps it; never downloads.

    Parameters
    ----------
    fname : str, optional
        The file's name in the cache (default: the last part of ``origin``'s path). With
        ``extract``, a name without an extension names the extraction folder, as in Keras.
    origin : str
        The URL Keras would download; named in the error when the file is missing.
    file_hash, md5_hash : str, optional
        Expected sha256 (or md5) of the file; a cached file that does not match is an error.
    cache_subdir : str
        Folder under the cache root (an absolute path is used as is).
    hash_algorithm : {"auto", "sha256", "md5"}
    extract, untar : bool
        Extract the archive (tar, tar.gz, tar.bz2 or zip) and return the folder.
    archive_format : {"auto", "tar", "zip"} or list
    cache_dir : str, optional
        Cache root instead of ``$KERAS_HOME`` / ``~/.keras``.
    force_download : bool
        Cannot be honoured offline: raises :class:`OfflineError`.

    Returns
    -------
    str
        The file's path, or the extraction folder's with ``extract``.

    Raises
    ------
    OfflineError
        When the file is not in the cache (the message says where to put it).
    ValueError
        For a cached file whose hash does not match.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = os.path.join(os.path.expanduser(os.fspath(cache_dir) if cache_dir is not None else keras_home()),
                           cache_subdir)
    origin_name = os.path.basename(urllib.parse.urlsplit(origin).path)
    provided = fname is not None and os.fspath(fname) != ""
    fname = os.fspath(fname) if provided else origin_name
    if not fname:
        raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. Please specify the "
                         "`fname` argument.")
    if os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify the file's parent "
                         f"directory, use the `cache_dir` argument. Received: fname={fname}")

    extract = extract or untar
    if extract:  # Keras' names for the archive and the folder it is extracted to
        if provided and "." in fname:
            target, folder = os.path.join(datadir, fname), os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            target, folder = os.path.join(datadir, f"{fname}_archive"), os.path.join(datadir, fname)
    else:
        target, folder = os.path.join(datadir, fname), None

    # A file copied by hand keeps its download name (cifar-10-python.tar.gz): accept it there too.
    candidates = [target] + ([os.path.join(datadir, origin_name)] if origin_name and extract else [])
    found = next((c for c in candidates if os.path.isfile(c)), None)
    if force_download or (found is None and not (folder and os.path.isdir(folder) and os.listdir(folder))):
        raise OfflineError(_offline_message(fname, origin, candidates, folder, force_download))
    if found is None:  # only the extracted folder is there (the archive was removed): use it
        return str(folder)
    if file_hash is not None and not validate_file(found, file_hash, hash_algorithm):
        algorithm = hash_algorithm if hash_algorithm != "auto" else ("sha256" if len(file_hash) == 64 else "md5")
        raise ValueError(f"{found}: the {algorithm} hash {hash_file(found, algorithm)} does not match the expected "
                         f"{file_hash}; the file is incomplete, damaged or another version. Replace it with the file "
                         f"from {origin}.")
    if not extract:
        return found
    if untar:
        archive_format = "tar"
    assert folder is not None
    if os.path.isdir(folder) and os.listdir(folder) and os.path.getmtime(folder) >= os.path.getmtime(found):
        return folder  # extracted after the archive was written: no need to extract again
    if not _extract(found, folder, archive_format):
        import warnings

        warnings.warn(f"Could not extract archive {found}.", stacklevel=2)
    return folder


def _offline_message(fname: str, origin: str, candidates: list[str], folder: str | None, forced: bool) -> str:
    where = " or ".join(candidates)
    why = "force_download=True cannot be honoured" if forced else f"'{fname}' is not in Keras' cache"
    also = f" (or its already extracted content as the folder {folder})" if folder else ""
    return (f"{why}: glassnet does not download (there may be no network here). Download {origin} on a machine "
            f"with a network (or run the same call with Keras there, which saves it in its cache) and put the file "
            f"at {where}{also}. The cache root is $KERAS_HOME, else ~/.keras.")


def _safe_members(names: list[str], base: Path) -> bool:
    base = base.resolve()
    for name in names:
        path = (base / name).resolve()
        if os.path.isabs(name) or (path != base and base not in path.parents):
            return False
    return True


def _extract(archive: str, folder: str, archive_format: Any) -> bool:
    """Extract into ``folder`` through a temporary folder (no half-extracted result); refuse members
    that would land outside it (absolute paths, ``..``, links pointing out)."""
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format or []))
    os.makedirs(os.path.dirname(folder) or ".", exist_ok=True)
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(archive):
            opener: Any = tarfile.open
        elif kind == "zip" and zipfile.is_zipfile(archive):
            opener = zipfile.ZipFile
        else:
            continue
        tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=os.path.dirname(folder) or "."))
        try:
            with opener(archive) as arc:
                if kind == "tar":
                    members = arc.getmembers()
                    links = [m.linkname for m in members if m.issym() or m.islnk()]
                    bad = not _safe_members([m.name for m in members], tmp) or any(
                        os.path.isabs(link) or ".." in Path(link).parts for link in links)
                    if bad:
                        raise ValueError(f"{archive}: refusing to extract members outside the target folder")
                    arc.extractall(tmp, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
                else:
                    if not _safe_members(arc.namelist(), tmp):
                        raise ValueError(f"{archive}: refusing to extract members outside the target folder")
                    arc.extractall(tmp)
            if os.path.isdir(folder):
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return True
    return False
