"""Files in S3-compatible object storage (AWS S3, MinIO, Ceph, ...), for several machines.

``FORMBUILDER_STORAGE_URL=s3://bucket/prefix`` chooses it. The endpoint, region and
credentials come from boto3's usual sources (``AWS_ENDPOINT_URL``, ``AWS_REGION``,
``AWS_ACCESS_KEY_ID``, an instance role, ...), so nothing secret sits in formbuilder's settings.

Bytes are streamed both ways: an upload is read in chunks while it is counted, hashed and sent
(multipart beyond 8 MB), and a download reads the object's body as the response is written,
so a 20 MB photo never sits whole in a web process's memory. Every write asks for server-side
encryption. Keys are the same random or hashed names as on disk, checked on every call, under
the URL's prefix: nothing a resident typed ever becomes part of an object's name.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import secrets
from typing import IO, Any, BinaryIO

from formbuilder.files.storage import CHUNK_SIZE, Stored, TooLarge, check_key

ENCRYPTION = {"ServerSideEncryption": "AES256"}
MULTIPART_CHUNK = 8 * 1024 * 1024


class S3Storage:
    """The ``Storage`` protocol on one bucket, every key under ``prefix``."""

    def __init__(self, bucket: str, prefix: str = "", *, client: Any = None) -> None:
        if client is None:
            client = make_client()
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        from boto3.s3.transfer import TransferConfig

        # Parts are held in memory while they are sent: a few 8 MB parts at most per upload.
        self.transfer = TransferConfig(multipart_threshold=MULTIPART_CHUNK,
                                       multipart_chunksize=MULTIPART_CHUNK, max_concurrency=2,
                                       max_io_queue=2)

    def put(self, stream: IO[bytes], *, size_limit: int) -> Stored:
        key = secrets.token_hex(16)
        counted = _Counted(stream, size_limit)
        try:
            self.client.upload_fileobj(counted, self.bucket, self._name(key),
                                       ExtraArgs=dict(ENCRYPTION), Config=self.transfer)
        except BaseException:
            with contextlib.suppress(Exception):
                self.delete(key)  # nothing sent may stay behind under a key no row holds
            if counted.too_large:
                raise TooLarge(size_limit) from None
            raise
        if counted.too_large:  # the transfer swallowed the error: the object is not ours
            self.delete(key)
            raise TooLarge(size_limit)
        return Stored(key, counted.size, counted.digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        name = self._name(key)
        try:
            first = self.client.get_object(Bucket=self.bucket, Key=name)
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None
        raw = _ObjectReader(self.client, self.bucket, name, first)
        return io.BufferedReader(raw, buffer_size=CHUNK_SIZE)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def write(self, key: str, data: bytes) -> None:
        # One PUT is atomic in S3: readers see the old object or the new one, never half.
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, **ENCRYPTION)

    def check(self) -> None:
        """Raise unless the bucket answers (``/readyz``)."""
        self.client.head_bucket(Bucket=self.bucket)

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key


def make_client() -> Any:
    """An S3 client from boto3's usual configuration; retries in "standard" mode, so a store
    that briefly refuses (503 SlowDown) is waited out instead of failing a resident's post."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3", config=Config(retries={"max_attempts": 5, "mode": "standard"},
                            max_pool_connections=20, connect_timeout=5, read_timeout=30))


class _Counted:
    """A read-only stream over the upload that counts, hashes and stops one byte past the
    limit, so an oversize upload is never read (nor sent) to its end."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.size = 0
        self.digest = hashlib.sha256()
        self.too_large = False

    def read(self, size: int = -1) -> bytes:
        room = self.limit + 1 - self.size
        want = room if size is None or size < 0 else min(size, room)
        if want <= 0:
            self.too_large = True
            raise TooLarge(self.limit)
        chunk = self.stream.read(want)
        self.size += len(chunk)
        if self.size > self.limit:
            self.too_large = True
            raise TooLarge(self.limit)
        self.digest.update(chunk)
        return chunk


class _ObjectReader(io.RawIOBase):
    """An object's bytes as a seekable stream: reading follows one streamed GET body, and
    only a seek elsewhere starts another (a ranged GET). Upload checks seek (an Office
    document's directory sits at its end); downloads just read on."""

    def __init__(self, client: Any, bucket: str, name: str, first: dict[str, Any]) -> None:
        super().__init__()
        self.client, self.bucket, self.name = client, bucket, name
        self.size = int(first["ContentLength"])
        self._body: Any = first["Body"]
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        target = max(base + offset, 0)
        if target != self._position:
            self._drop_body()
            self._position = target
        return self._position

    def readinto(self, buffer: Any) -> int:
        if self._position >= self.size or len(buffer) == 0:
            return 0
        if self._body is None:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.name,
                                            Range=f"bytes={self._position}-")
            self._body = answer["Body"]
        data = self._body.read(len(buffer))
        buffer[:len(data)] = data
        self._position += len(data)
        return len(data)

    def close(self) -> None:
        self._drop_body()
        super().close()

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None
