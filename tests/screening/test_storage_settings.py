"""Candidate documents in an S3-compatible bucket (django-storages) when SCREENING_S3_BUCKET
is set, the filesystem otherwise: the settings each environment produces, production's
deployment checks with a bucket, and — against moto's in-process S3, no network — a document
stored, read, served by the authenticated view (never a redirect to the bucket) and removed,
and /healthz's storage check passing."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
S3_BACKEND = "storages.backends.s3.S3Storage"
PRODUCTION = {
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-test-key-with-enough-entropy-1234567890",
    "DJANGO_ALLOWED_HOSTS": "rubrics.example.org",
}
BUCKET = {
    "SCREENING_S3_BUCKET": "rubrics-documents",
    "SCREENING_S3_PREFIX": "candidates",
    "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
    "AWS_S3_REGION_NAME": "eu-west-2",
    "AWS_ACCESS_KEY_ID": "test-access-key",
    "AWS_SECRET_ACCESS_KEY": "test-secret-key",
}
PRINT_STORAGES = (
    "import json; from django.conf import settings; print(json.dumps(settings.STORAGES))"
)


def manage(*args, settings_module: str, **env_overrides):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SCREENING_S3", "AWS_"))
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args, f"--settings={settings_module}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def storages(settings_module: str, **env) -> dict:
    result = manage(
        "shell", "--no-imports", "-c", PRINT_STORAGES, settings_module=settings_module, **env
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def base_storages(monkeypatch, **env) -> dict:
    """STORAGES as config/settings/base.py makes it from this environment (run afresh)."""
    for key in list(os.environ):
        if key.startswith(("SCREENING_S3", "AWS_")):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(ROOT / "config" / "settings" / "base.py"))["STORAGES"]


S3_OPTIONS = {
    "bucket_name": "rubrics-documents",
    "location": "candidates",
    "endpoint_url": "https://s3.example.org",
    "region_name": "eu-west-2",
    "access_key": "test-access-key",
    "secret_key": "test-secret-key",
    "addressing_style": None,
    "signature_version": "s3v4",
    "default_acl": "private",
    "querystring_auth": True,
    "querystring_expire": 60,
    "file_overwrite": False,
    "custom_domain": None,
}


def test_without_a_bucket_documents_stay_on_the_filesystem(monkeypatch):
    found = base_storages(monkeypatch)
    assert found["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_with_a_bucket_documents_go_to_s3_private_and_never_overwritten(monkeypatch):
    found = base_storages(monkeypatch, **BUCKET)
    assert found["default"] == {"BACKEND": S3_BACKEND, "OPTIONS": S3_OPTIONS}


def test_unset_keys_leave_the_credentials_to_boto3(monkeypatch):
    found = base_storages(monkeypatch, SCREENING_S3_BUCKET="rubrics-documents")
    options = found["default"]["OPTIONS"]
    assert options["access_key"] is options["secret_key"] is options["endpoint_url"] is None
    assert options["location"] == ""


@pytest.mark.parametrize(
    "env, default",
    [
        ({}, {"BACKEND": "django.core.files.storage.FileSystemStorage"}),
        (BUCKET, {"BACKEND": S3_BACKEND, "OPTIONS": S3_OPTIONS}),
    ],
    ids=["filesystem", "bucket"],
)
def test_production_keeps_the_documents_storage_base_chose(env, default):
    found = storages("config.settings.production", **PRODUCTION, **env)
    assert found["default"] == default
    assert found["staticfiles"]["BACKEND"].startswith("whitenoise.")


def test_production_with_a_bucket_passes_the_deployment_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        settings_module="config.settings.production",
        **PRODUCTION,
        **BUCKET,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


# --- Against moto's in-process S3 -----------------------------------------------------------


@pytest.fixture
def s3(settings, monkeypatch):
    """The default storage in a moto bucket, configured as the settings configure it."""
    moto = pytest.importorskip("moto")
    import boto3

    options = base_storages(monkeypatch, SCREENING_S3_BUCKET="rubrics-documents")["default"]
    assert options["BACKEND"] == S3_BACKEND
    options["OPTIONS"].update(region_name="us-east-1", access_key="testing", secret_key="testing")
    with moto.mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="rubrics-documents")
        settings.STORAGES = {**settings.STORAGES, "default": options}
        yield boto3.client("s3", region_name="us-east-1")


def keys(client) -> list[str]:
    listing = client.list_objects_v2(Bucket="rubrics-documents")
    return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.mark.django_db
def test_a_document_in_the_bucket_is_read_served_by_the_view_and_removed(
    s3, recruiter, recruiter_api, django_capture_on_commit_callbacks
):
    from screening import services
    from screening.documents.samples import resume_pdf
    from screening.models import Document
    from tests.factories import ApplicationFactory

    data = resume_pdf("Ada Example", [("Skills", ["Python and SQL"])])
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_upload(
            application=ApplicationFactory(),
            actor=recruiter,
            name="cv.pdf",
            data=data,
            role="resume",
        )
    document.refresh_from_db()
    assert document.status == Document.Status.READY
    page = document.pages.get()
    assert "Python" in page.text and page.boxes["words"]
    assert keys(s3) == sorted([document.file.name, page.image.name])
    head = s3.head_object(Bucket="rubrics-documents", Key=document.file.name)
    assert head["ContentLength"] == len(data)
    acl = s3.get_object_acl(Bucket="rubrics-documents", Key=document.file.name)
    assert all("AllUsers" not in str(grant["Grantee"]) for grant in acl["Grants"])

    response = recruiter_api.get(f"/api/v1/documents/{document.pk}/file/")
    assert response.status_code == 200  # streamed by the view, not a redirect to the bucket
    assert b"".join(response.streaming_content) == data
    assert "Location" not in response.headers

    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(document=document, actor=recruiter)
    assert keys(s3) == []


@pytest.mark.django_db
def test_healthz_storage_check_passes_against_the_bucket_and_leaves_no_probe(s3, client, superuser):
    client.force_login(superuser)
    response = client.get("/healthz", HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["DocumentStorage()"] == "OK"
    assert keys(s3) == []
