"""Redis down is a 503 with Retry-After, never a 500 (core.unavailable): what the fault suite's
outage found. Runs on the embedded default with a real redis-py client pointed at a port where
nothing listens, and a real Celery producer on a broker that is not there."""

from __future__ import annotations

import pytest
from django.test import Client

from config.celery import app as celery_app
from mediation.casefile import rendering
from tests.stack_harness import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    """The cache on a Redis that is not running (connection refused at once)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }


def test_signing_in_while_the_cache_is_down_answers_503_with_the_envelope(redis_down, claimant, api):
    response = api().post(
        "/api/v1/auth/token/", {"username": claimant.username, "password": "tiaojie-test-pw"}, format="json"
    )
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable" and set(response.json()) == {"detail", "code"}
    assert response["Retry-After"] == "5"


def test_a_page_limited_in_the_cache_answers_a_503_page(redis_down, settings):
    settings.LANGUAGE_CODE = "en"
    response = Client().post("/accounts/signup/", {"username": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert b"Briefly unavailable" in response.content


def test_work_that_needs_no_redis_goes_on(redis_down, dispute, grid_worker, api):
    response = api(grid_worker).post(f"/api/v1/disputes/{dispute.pk}/transitions/accept/", {}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "awaiting_response"


def test_a_case_file_asked_for_while_the_broker_is_down_is_503_and_asked_again_later(
    dispute, grid_worker, api, settings, tmp_path, monkeypatch
):
    settings.VAR_DIR = tmp_path
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "broker_url", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setitem(celery_app.conf, "broker_transport", "redis")
    monkeypatch.setitem(celery_app.conf, "task_publish_retry", False)
    monkeypatch.setattr(celery_app, "_pool", None)  # connections and producers made afresh
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    response = api(grid_worker).get(f"/api/v1/disputes/{dispute.pk}/dossier/")
    assert response.status_code == 503 and response.json()["code"] == "unavailable"
    assert response["Retry-After"] == "5"
    # No job is left pending without a task: the next ask queues it again.
    assert not rendering.job_for("dossier", dispute.pk, grid_worker.pk).folder.exists()
