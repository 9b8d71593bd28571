"""Where uploaded files live: a local folder by default, object storage at scale.

Views and jobs see only the small ``Storage`` protocol; ``formbuilder.files.from_url`` picks
the backend (``FORMBUILDER_STORAGE_URL``: unset for the folder, ``s3://bucket/prefix`` for
``formbuilder.files.s3``). Files are stored under random keys, so nothing a resident chose (a
file name, a path) ever reaches the file system or an object's name.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO, NamedTuple, Protocol

CHUNK_SIZE = 64 * 1024
_KEY = re.compile(r"^[0-9a-f]{32}$")


class TooLarge(Exception):
    """The upload is larger than allowed; it was not kept, and not read to its end."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"The file is larger than the limit of {limit:,} bytes.")


class Stored(NamedTuple):
    key: str
    size: int
    sha256: str


class Storage(Protocol):
    def put(self, stream: IO[bytes], *, size_limit: int) -> Stored:
        """Store the stream's bytes under a new key; :class:`TooLarge` past ``size_limit``."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The stored bytes, to read; ``FileNotFoundError`` for an unknown key."""
        ...

    def delete(self, key: str) -> None:
        """Forget the file; deleting a missing file is not an error (purges may repeat)."""
        ...

    def exists(self, key: str) -> bool: ...

    def write(self, key: str, data: bytes) -> None:
        """Store ``data`` under a key the caller derived (a file that can always be made again,
        such as a cached PDF), replacing what was there, whole or not at all."""
        ...

    def check(self) -> None:
        """Raise unless files can be stored now (what ``/readyz`` asks)."""
        ...


class LocalStorage:
    """Files in a folder that must lie outside anything a web server serves directly.

    A file is written to a temporary name in the same folder tree and renamed into place, so a
    crash or an oversize upload never leaves a half-written file under a real key.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def put(self, stream: IO[bytes], *, size_limit: int) -> Stored:
        key = secrets.token_hex(16)
        digest = hashlib.sha256()
        size = 0
        with _replacing(self._path(key), prefix=".upload-") as out:
            # Read at most one byte past the limit: enough to know it is too large.
            while chunk := stream.read(min(CHUNK_SIZE, size_limit + 1 - size)):
                size += len(chunk)
                if size > size_limit:
                    raise TooLarge(size_limit)
                digest.update(chunk)
                out.write(chunk)
        return Stored(key, size, digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise PermissionError(f"The upload folder {self.root} is not writable")

    def write(self, key: str, data: bytes) -> None:
        with _replacing(self._path(key), prefix=".write-") as out:
            out.write(data)

    def _path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key


@contextmanager
def _replacing(target: Path, *, prefix: str) -> Iterator[BinaryIO]:
    """A file to write that becomes ``target`` only once written in full and on disk.

    It is a temporary file in the same folder (so the rename is atomic) and is removed when the
    writing fails or is interrupted, so no half-written file ever stands under a real key.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=prefix)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_key(key: str) -> None:
    """Keys are checked, never trusted: a key that is not ours cannot name another path."""
    if not _KEY.match(key):
        raise ValueError(f"{key!r} is not a storage key")
