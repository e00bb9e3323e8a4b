"""The evidence tests run on both backends of the store: the local folder and an S3 bucket
on moto's server (started on loopback for the run)."""

from tests.evidence.backend_fixtures import app, backend, s3_endpoint  # noqa: F401
