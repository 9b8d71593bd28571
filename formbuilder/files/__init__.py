"""Files residents upload: what they really are (``uploads``) and where they live (``storage``,
or ``s3`` for object storage)."""

from __future__ import annotations

import os

from formbuilder.files.storage import LocalStorage, Storage


def from_url(url: str | None, folder: str | os.PathLike[str]) -> Storage:
    """The storage a URL names: none is ``folder``, ``s3://bucket/prefix`` a bucket. Anything
    else stops the app at start, naming the setting."""
    if not url or not url.strip():
        return LocalStorage(folder)
    scheme, _, rest = url.strip().partition("://")
    bucket, _, prefix = rest.partition("/")
    if scheme != "s3" or not bucket:
        raise ValueError(f"FORMBUILDER_STORAGE_URL is {url!r}; use s3://bucket/prefix for "
                         "object storage, or leave it unset for the local upload folder.")
    from formbuilder.files.s3 import S3Storage  # imports boto3 only when a bucket is named

    return S3Storage(bucket, prefix)
