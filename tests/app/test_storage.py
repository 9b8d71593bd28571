"""One contract for every storage backend: the local folder and S3 (moto's real HTTP server on
127.0.0.1, reached through boto3's usual variables), then a resident's photo end to end on S3."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from object_store import moto_server, new_bucket, s3_environment
from resident import png_bytes
from staff import make_app, make_staff

import schemas
from formbuilder import files
from formbuilder.files.storage import LocalStorage, Storage, TooLarge
from formbuilder.files.uploads import sniff_file
from formbuilder.services import publishing

PREFIX = "city/uploads"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in s3_environment(s3_endpoint).items():
        monkeypatch.setenv(name, value)
    return new_bucket(s3_endpoint)


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each backend, built the way the app builds it: from FORMBUILDER_STORAGE_URL."""
    if request.param == "local":
        return files.from_url(None, tmp_path / "uploads")
    bucket = request.getfixturevalue("s3_bucket")
    return files.from_url(f"s3://{bucket}/{PREFIX}", tmp_path / "unused")


def stored_names(storage: Storage) -> list[str]:
    """Every file the backend holds, whatever it calls them."""
    if isinstance(storage, LocalStorage):
        return sorted(str(p.relative_to(storage.root)) for p in storage.root.rglob("*")
                      if p.is_file())
    listed = storage.client.list_objects_v2(Bucket=storage.bucket)  # type: ignore[attr-defined]
    return sorted(item["Key"] for item in listed.get("Contents", []))


class CountingStream(io.RawIOBase):
    """An endless upload that counts what was read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        buffer[:] = b"x" * len(buffer)
        self.read_bytes += len(buffer)
        return len(buffer)


# --- The contract ------------------------------------------------------------------------------


def test_put_keeps_the_bytes_under_a_new_random_key(storage: Storage):
    data = png_bytes()
    first = storage.put(io.BytesIO(data), size_limit=1000)
    second = storage.put(io.BytesIO(data), size_limit=1000)
    assert re.fullmatch(r"[0-9a-f]{32}", first.key) and first.key != second.key
    assert (first.size, first.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    with storage.open(first.key) as handle:
        assert handle.read() == data
    assert storage.exists(first.key)


def test_a_file_over_several_parts_comes_back_whole(storage: Storage):
    data = bytes(range(256)) * (9 * 1024 * 1024 // 256 + 7)  # past one 8 MB part
    stored = storage.put(io.BytesIO(data), size_limit=len(data))
    assert (stored.size, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    with storage.open(stored.key) as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == stored.sha256


def test_too_large_is_refused_unread_and_leaves_nothing(storage: Storage):
    upload = CountingStream()
    with pytest.raises(TooLarge):
        storage.put(upload, size_limit=100_000)  # type: ignore[arg-type]
    assert upload.read_bytes < 10 * 1024 * 1024  # an endless stream was not read to its end
    assert stored_names(storage) == []


def test_opened_files_seek_like_files_for_upload_checks(storage: Storage):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        out.writestr("content.xml", "x" * 100_000)
    stored = storage.put(io.BytesIO(archive.getvalue()), size_limit=1_000_000)
    with storage.open(stored.key) as handle:
        assert sniff_file(handle) == "application/vnd.oasis.opendocument.text"
        handle.seek(-4, io.SEEK_END)
        tail = handle.read()
        handle.seek(0)
        assert handle.read(4) == b"PK\x03\x04"
    assert tail == archive.getvalue()[-4:]


def test_write_replaces_whole_and_delete_forgets(storage: Storage):
    key = "ab" * 16
    storage.write(key, b"first")
    storage.write(key, b"second")
    with storage.open(key) as handle:
        assert handle.read() == b"second"
    storage.delete(key)
    storage.delete(key)  # purges may repeat
    assert not storage.exists(key)
    with pytest.raises(FileNotFoundError):
        storage.open(key)


@pytest.mark.parametrize("key", ["../../etc/passwd", "AB" * 16, "ab" * 15, "ab/" + "c" * 29])
def test_keys_that_are_not_ours_are_refused(storage: Storage, key: str):
    for attempt in (lambda: storage.open(key), lambda: storage.exists(key),
                    lambda: storage.delete(key), lambda: storage.write(key, b"x")):
        with pytest.raises(ValueError, match="not a storage key"):
            attempt()


def test_ready_check_passes(storage: Storage):
    storage.check()


# --- S3 only -----------------------------------------------------------------------------------


def test_s3_objects_are_encrypted_and_under_the_prefix(s3_bucket: str, tmp_path: Path):
    storage = files.from_url(f"s3://{s3_bucket}/{PREFIX}/", tmp_path)
    stored = storage.put(io.BytesIO(b"photo"), size_limit=100)
    storage.write("cd" * 16, b"pdf")
    client = boto3.client("s3")
    for key in (stored.key, "cd" * 16):
        head = client.head_object(Bucket=s3_bucket, Key=f"{PREFIX}/{key}")
        assert head["ServerSideEncryption"] == "AES256"


def test_an_unreachable_bucket_fails_the_ready_check(s3_bucket: str, tmp_path: Path):
    storage = files.from_url(f"s3://{s3_bucket}-missing", tmp_path)
    with pytest.raises(Exception):  # noqa: B017 - whichever error boto3 raises
        storage.check()


@pytest.mark.parametrize("url", ["s3://", "ftp://bucket/x", "bucket/x"])
def test_a_storage_url_that_names_nothing_stops_the_app(url: str, tmp_path: Path):
    with pytest.raises(ValueError, match="FORMBUILDER_STORAGE_URL"):
        files.from_url(url, tmp_path)


# --- The app on S3 -----------------------------------------------------------------------------

PHOTO_FORM = {
    "id": "pothole-report", "title": "Report a pothole", "reference_prefix": "PW",
    "applicant_email": "email", "routing": [{"step": "Dispatch review", "assign": "dispatch"}],
    "schema": {"type": "object", "required": ["location", "email"], "properties": {
        "location": {"type": "string", "title": "Where is it?"},
        "email": {"type": "string", "format": "email", "title": "Email"},
        "photo": {"type": "string", "format": "file", "title": "Photo",
                  "contentMediaType": "image/png"}}},
}
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def test_a_residents_photo_is_stored_in_and_served_from_s3(db, s3_bucket, tmp_path):
    app = make_app(db, tmp_path, STORAGE_URL=f"s3://{s3_bucket}/{PREFIX}")
    with db.session() as session:
        publishing.publish(session, schemas.load_definition(PHOTO_FORM))
    make_staff(db, "dee@city.gov", roles=["dispatch"])
    resident = app.test_client()
    page = resident.get("/forms/pothole-report").get_data(as_text=True)
    photo = png_bytes()
    response = resident.post("/forms/pothole-report/1", content_type="multipart/form-data",
                             data={"csrf_token": _CSRF.search(page).group(1),
                                   "location": "Elm St", "email": "ana@example.org",
                                   "photo": (io.BytesIO(photo), "hole.png")})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [name] = stored_names(app.extensions["storage"])
    assert name.startswith(f"{PREFIX}/") and "hole" not in name
    check = resident.get("/forms/pothole-report/check").get_data(as_text=True)
    [preview] = re.findall(r'/forms/pothole-report/files/(att_[\w-]+)', check)[:1]
    assert resident.get(f"/forms/pothole-report/files/{preview}").data == photo
    response = resident.post("/forms/pothole-report/submit", data={
        "csrf_token": _CSRF.search(check).group(1),
        "key": re.search(r'name="key" value="([^"]+)"', check).group(1)})
    reference = response.headers["Location"].rsplit("/", 1)[1]

    from staff import StaffActions

    clerk = app.test_client()
    StaffActions(clerk).sign_in("dee@city.gov")
    download = clerk.get(f"/staff/submissions/{reference}/files/{preview}")
    assert download.status_code == 200 and download.data == photo
    pdf = clerk.get(f"/staff/submissions/{reference}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert len(stored_names(app.extensions["storage"])) == 2  # the photo and the cached PDF
