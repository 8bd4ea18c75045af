"""create over a fake client: the request carries exactly the fields the options set."""

from __future__ import annotations

from .conftest import envelope
from .fakes import FakeClient, command, make_ctx


def test_create_sends_exactly_the_requested_fields() -> None:
    client = FakeClient({"createImage": envelope({"job_id": "job_abcdefghijklmnop"})})
    command(
        make_ctx(client),
        "create",
        "--prompt",
        "p",
        "--model",
        "fal.flux-dev",
        "--output-count",
        "2",
        "--max-estimated-usd-per-image",
        "0.05",
        "--model-parameters-json",
        '{"seed": 7}',
        "--dry-run",
        "--idempotency-key",
        "create-run-001",
    )
    [(_, _, _, body)] = client.calls
    assert body == {
        "prompt": "p",
        "aspect_ratio": "1:1",
        "model": "fal.flux-dev",
        "output_count": 2,
        "max_estimated_usd_per_image": 0.05,
        "model_parameters": {"seed": 7},
        "dry_run": True,
        "idempotency_key": "create-run-001",  # retry-safe spending: always sent (generated when not given)
    }
