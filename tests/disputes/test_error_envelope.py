"""Every API error has the same shape: {"detail", "code"}, plus "errors" on 400 only (docs/api.md)."""

import pytest

from tests import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(dispute, claimant, grid_worker, outsider, api, settings, tmp_path, monkeypatch):
    """One request per documented status, each made the way a client would meet it."""
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    settings.MEDIA_ROOT = tmp_path
    d = f"/api/v1/disputes/{dispute.pk}/"
    big = samples.png() + b"\x00" * (20 * 1024 * 1024)

    def throttled():
        cache.clear()
        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "1/min", "filing": "1/min"})
        api().post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")
        r = api().post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")
        cache.clear()
        return r

    return {
        400: lambda: api(grid_worker).post(f"{d}transitions/reject/", {}, format="json"),
        401: lambda: api().get(d),
        403: lambda: api(claimant).post(f"{d}transitions/accept/", {}, format="json"),
        404: lambda: api(outsider).get(d),
        405: lambda: api(claimant).delete(d),
        409: lambda: api(grid_worker).post(
            f"{d}transitions/replace_mediator/", {"reason": "回避"}, format="json"
        ),
        413: lambda: api(claimant).post(
            f"{d}evidence/", {"file": samples.upload("a.png", big)}, format="multipart"
        ),
        415: lambda: api(claimant).post(
            f"{d}evidence/", {"file": samples.upload("a.png", b"text")}, format="multipart"
        ),
        429: throttled,
    }


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 413, 415, 429])
def test_each_error_status_comes_in_the_envelope(status, calls, snapshot, dispute):
    before = snapshot(dispute)
    r = calls[status]()
    assert r.status_code == status, r.content
    assert r["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == ({"detail", "code", "errors"} if status == 400 else {"detail", "code"})
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    if status == 400:
        assert all(
            isinstance(v, list) and all(isinstance(m, str) for m in v) for v in body["errors"].values()
        )
    assert snapshot(dispute) == before


def test_a_body_in_a_format_the_api_does_not_read_is_415(claimant, api):
    r = api(claimant).post("/api/v1/disputes/", "title=x", content_type="text/plain")
    assert r.status_code == 415
    assert r.json()["code"] == "unsupported_media_type"


def test_nested_field_errors_are_named_with_dots(claimant, regions, api):
    r = api(claimant).post(
        "/api/v1/disputes/",
        {
            "title": "x",
            "description": "y",
            "category": "tenancy",
            "grid": regions["grid1"].pk,
            "respondent": {"name": "李四", "phone": "bad"},
        },  # fmt: skip
        format="json",
    )
    assert r.status_code == 400
    assert list(r.json()["errors"]) == ["respondent.phone"]


def test_messages_follow_the_callers_language(claimant, api):
    client = api(claimant)
    zh = client.post("/api/v1/disputes/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    en = client.post("/api/v1/disputes/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh["code"] == en["code"] == "invalid"
    assert set(zh["errors"]) == set(en["errors"])
    assert zh["errors"]["title"] != en["errors"]["title"]
