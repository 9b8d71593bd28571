"""An S3-compatible store for tests and benchmarks: moto's server on a free loopback port.

It is a real HTTP server, so the code under test talks to it exactly as to AWS or MinIO,
through boto3's usual environment variables (:func:`s3_environment`), also from other
processes (gunicorn workers, job workers).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

BUCKET = "formbuilder-test"


@contextmanager
def moto_server() -> Iterator[str]:
    """Start moto's S3 on 127.0.0.1 and yield its endpoint URL; stopped when the block ends."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per S3 request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_environment(endpoint: str) -> dict[str, str]:
    """The variables boto3 reads, pointing at ``endpoint`` with moto's dummy credentials."""
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1"}


def new_bucket(endpoint: str) -> str:
    """A fresh bucket on the server, so tests never see each other's objects."""
    import boto3

    name = f"{BUCKET}-{secrets.token_hex(4)}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    client.create_bucket(Bucket=name)
    return name
