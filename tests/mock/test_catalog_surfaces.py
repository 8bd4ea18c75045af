"""Issue 15 items 10 and 13 over plain HTTP: the models listing of 0.1.70 (query, aliases, default,
compact rows, details), unknown query parameters refused on every operation, and model lifecycle
(a retired model runs its successor, or is refused naming a replacement) from a catalog file."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import ErrorCode
from image_skill_mock.creative import catalog
from mock.conftest import Api

DEFAULT = catalog.HOSTED_DEFAULT_MODEL_ID


def test_the_default_row_is_marked_and_rows_are_compact(api: Api) -> None:
    listing = api.request("GET", "/v1/models")["data"]
    defaults = [row for row in listing["models"] if row["default"]]
    assert [row["id"] for row in defaults] == [DEFAULT] == [listing["summary"]["default_model_id"]]
    row = listing["models"][0]
    assert "model_parameters" not in row
    assert listing["summary"]["details"] is False
    assert row["show_command"] == f"image-skill models show {row['id']} --json"
    assert row["estimated_usd_per_image"] == row["economics"]["estimated_usd_per_image"]
    assert row["credits_required"] == row["economics"]["credit_pricing"]["credits_required"]
    assert row["lifecycle"] == {"state": "active", "retired_at": None, "redirects_to": None}


def test_details_returns_full_models(api: Api) -> None:
    rows = api.request("GET", "/v1/models?details=true")["data"]["models"]
    assert all("model_parameters" in row and "media" in row for row in rows)


def test_query_matches_every_word_over_ids_names_tags_and_aliases(api: Api) -> None:
    found = api.request("GET", "/v1/models?query=nano-banana")["data"]
    ids = {row["id"] for row in found["models"]}
    assert ids
    assert all("nano-banana" in i or "nano-banana" in " ".join(found["summary"]["aliases"]) for i in ids)
    assert found["summary"]["query"] == "nano-banana"
    assert found["summary"]["returned"] == len(found["models"]) < found["summary"]["total"]
    edit_only = api.request("GET", "/v1/models?query=banana%20image.edit")["data"]["models"]
    assert edit_only
    assert all(row["operation"] == "image.edit" for row in edit_only)
    assert api.request("GET", "/v1/models?query=no-such-model-family")["data"]["models"] == []


@pytest.mark.parametrize(
    ("reference", "via", "model_id"),
    [
        ("nano-banana", "alias", "fal.nano-banana-2-edit"),
        ("default", "default", DEFAULT),
        (DEFAULT, "id", DEFAULT),
    ],
)
def test_models_show_resolves_aliases_and_default(api: Api, reference: str, via: str, model_id: str) -> None:
    data = api.request("GET", f"/v1/models/{reference}")["data"]
    assert data["model"]["id"] == model_id
    assert data["resolved"] == {"requested": reference, "via": via}


def test_an_unknown_reference_points_at_a_query(api: Api) -> None:
    body = api.request("GET", "/v1/models/no-such-thing")
    assert body["error"]["code"] == ErrorCode.NOT_FOUND
    assert "--query no-such-thing" in body["error"]["recovery"]["suggested_command"]


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_an_unknown_query_parameter_is_refused_on_every_operation(
    make_api: Callable[..., Api], operation_id: str
) -> None:
    op = OPERATIONS[operation_id]
    api = make_api(control=op.path.startswith("/_mock/"))  # the control API is served only with --control
    path = (
        op.path.replace("{model_id}", DEFAULT).replace("{capability_id}", "is.x").replace("{job_id}", "job_x")
    )
    path = path.replace("{asset_id}", "image_x").replace("{ref}", "evt_x")
    body = api.request(op.method, f"{path}?no_such_filter=1", json={} if op.method == "POST" else None)
    assert body["error"]["code"] == ErrorCode.INVALID_ARGUMENTS, body
    assert "no_such_filter" in body["error"]["message"]


# ------------------------------------------------------------------ lifecycle (serve --catalog)
def _catalog_file(tmp_path: Path, lifecycle: dict[str, dict[str, Any]]) -> Path:
    data = json.loads(files("image_skill_mock").joinpath("data", "models.json").read_text(encoding="utf-8"))
    for row in data["models"]:
        if row["id"] in lifecycle:
            row["lifecycle"] = lifecycle[row["id"]]
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def retiring(tmp_path: Path, make_api: Callable[..., Api]) -> Iterator[Callable[[dict[str, Any]], Api]]:
    """A server whose catalog retires models (the packaged catalog is put back afterwards)."""

    def make(lifecycle: dict[str, Any]) -> Api:
        api = make_api(catalog_path=_catalog_file(tmp_path, lifecycle))
        api.signup()
        return api

    yield make
    catalog.install(None)


RETIRED_AT = "2026-11-01T00:00:00.000Z"


def test_a_retired_model_with_a_redirect_runs_its_successor(
    retiring: Callable[[dict[str, Any]], Api],
) -> None:
    successor = "xai.grok-imagine-image"
    api = retiring({DEFAULT: {"state": "retired", "retired_at": RETIRED_AT, "redirects_to": successor}})
    row = api.request("GET", f"/v1/models/{DEFAULT}")["data"]["model"]
    assert row["lifecycle"]["state"] == "retired"
    for body in (api.create(model=DEFAULT), api.create()):  # named, and as the hosted default
        selection = body["data"]["request"]["selection"]
        assert selection["model_id"] == successor
        assert selection["lifecycle_redirect"] == {
            "requested_model_id": DEFAULT,
            "model_id": successor,
            "retired_at": RETIRED_AT,
        }
        assert [w for w in body["warnings"] if "is retired" in w] == [
            f"{DEFAULT} is retired; {successor} ran instead (request.selection.lifecycle_redirect)."
        ]
    assert api.create(model=successor)["data"]["request"]["selection"]["lifecycle_redirect"] is None


def test_a_retired_model_without_a_redirect_is_refused_naming_a_replacement(
    retiring: Callable[[dict[str, Any]], Api],
) -> None:
    retired = "fal.flux-dev"
    api = retiring({retired: {"state": "retired", "retired_at": RETIRED_AT, "redirects_to": None}})
    body = api.create(model=retired)
    assert body["error"]["code"] == ErrorCode.CAPABILITY_DENIED
    assert body["error"]["recovery"]["suggested_command"] == f"image-skill models show {DEFAULT} --json"
    assert DEFAULT in body["error"]["message"]
    listing = api.request("GET", "/v1/models?available=true&executable=true")["data"]["models"]
    assert retired not in {row["id"] for row in listing}


def test_a_deprecated_model_still_runs(retiring: Callable[[dict[str, Any]], Api]) -> None:
    api = retiring({"fal.flux-dev": {"state": "deprecated", "retired_at": None, "redirects_to": DEFAULT}})
    body = api.create(model="fal.flux-dev")
    assert body["ok"]
    assert body["data"]["request"]["selection"]["model_id"] == "fal.flux-dev"


def test_a_catalog_that_redirects_to_a_missing_model_is_refused(tmp_path: Path) -> None:
    path = _catalog_file(
        tmp_path, {DEFAULT: {"state": "retired", "retired_at": None, "redirects_to": "x.nope"}}
    )
    with pytest.raises(ValueError, match="redirects"):
        catalog.install(path)
    catalog.install(None)
