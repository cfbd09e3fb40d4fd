"""The index folder: versioned sub-folders, an atomic ``CURRENT`` pointer, a write lock.

Layout of ``root``::

    CURRENT        name of the live sub-folder (replaced atomically with os.replace)
    ix-<stamp>/    one complete Whoosh index per build
    write.lock     fcntl lock serialising every writer of every process
    rebuild.json   present while a rebuild runs: writers also append to journal.jsonl
"""

from __future__ import annotations

import fcntl
import json
import mmap
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

POINTER = "CURRENT"
LOCK = "write.lock"
MARKER = "rebuild.json"
JOURNAL = "journal.jsonl"

_thread_lock = threading.RLock()


class MappedStorage(FileStorage):
    """A Whoosh FileStorage that reads each file through a read-only ``mmap``.

    Segments are written as separate files (not compound): inside a compound file
    Whoosh wraps each sub-file in ``BytesIO(mmap slice)``, a full copy, so opening a
    reader copied every segment's lexicon (~40 ms per segment at 100k posts). Mapped
    files are shared with the page cache, opening one costs nothing, and no file handle
    is held open (the descriptor is closed once mapped).
    """

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        with open(self._fpath(name), "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return super().open_file(name, **kwargs)
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return StructFile(data, name=name, **kwargs)


def open_index(folder: Path) -> Any:
    """Open the Whoosh index in ``folder`` (read through mmap)."""
    return MappedStorage(str(folder)).open_index()


def create_index(folder: Path, schema: Any) -> Any:
    """Create an empty Whoosh index with ``schema`` in ``folder``."""
    return MappedStorage(str(folder)).create().create_index(schema)


class IndexBusy(RuntimeError):
    """The write lock could not be taken in time, or a rebuild is already running."""


def current_folder(root: Path) -> Path | None:
    """Return the live index folder, or None when there is none yet."""
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not name or "/" in name or name.startswith("."):
        return None
    return root / name


def new_folder(root: Path) -> Path:
    """Create and return an empty, uniquely named index folder under ``root``."""
    folder = root / f"ix-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder


def switch(root: Path, folder: Path) -> None:
    """Point ``CURRENT`` at ``folder`` atomically (readers see the old or the new one)."""
    tmp = root / f".{POINTER}.{uuid.uuid4().hex}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(folder.name)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, root / POINTER)
    descriptor = os.open(root, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def cleanup(root: Path, keep: set[str]) -> None:
    """Delete index folders not in ``keep`` nor being built (readers may use the previous)."""
    marker = rebuild_marker(root)
    if marker:
        keep = keep | {marker["folder"]}
    for path in root.glob("ix-*"):
        if path.name not in keep and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def write_lock(root: Path, timeout: float) -> Iterator[None]:
    """Hold the cross-process write lock; raise :class:`IndexBusy` after ``timeout`` s."""
    root.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with _thread_lock, open(root / LOCK, "a+b") as handle:
        delay = 0.005
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise IndexBusy("the search index is locked by another writer") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def rebuild_marker(root: Path) -> dict[str, Any] | None:
    """Return the running rebuild's marker; a marker left by a dead process is removed."""
    try:
        marker = json.loads((root / MARKER).read_text(encoding="utf-8"))
        os.kill(int(marker["pid"]), 0)
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, ProcessLookupError):
        end_rebuild(root)
        return None
    except PermissionError:
        pass
    return marker


def start_rebuild(root: Path, folder: Path) -> None:
    """Write the marker that makes writers journal their operations (call under the lock)."""
    (root / JOURNAL).unlink(missing_ok=True)
    marker = {"pid": os.getpid(), "folder": folder.name, "started": time.time()}
    (root / MARKER).write_text(json.dumps(marker), encoding="utf-8")


def end_rebuild(root: Path) -> None:
    """Remove the marker and the journal (call under the lock)."""
    (root / MARKER).unlink(missing_ok=True)
    (root / JOURNAL).unlink(missing_ok=True)


def journal(root: Path, operations: list[tuple[str, Any]]) -> None:
    """Append operations for the rebuild running elsewhere to replay (call under the lock)."""
    with open(root / JOURNAL, "a", encoding="utf-8") as handle:
        for action, payload in operations:
            handle.write(json.dumps([action, payload]) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_journal(root: Path) -> list[tuple[str, Any]]:
    """Return the journaled operations, skipping a torn last line."""
    try:
        lines = (root / JOURNAL).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    operations = []
    for line in lines:
        try:
            action, payload = json.loads(line)
        except ValueError:
            continue
        operations.append((action, payload))
    return operations
