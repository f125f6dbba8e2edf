"""The OpenAPI 3 schema at /api/v1/schema/ and the interactive docs beside it, served locally."""

import json
import re

import pytest
import yaml
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

DOCUMENTED = {
    "/api/v1/auth/register/": {"post"},
    "/api/v1/auth/verify-phone/": {"post"},
    "/api/v1/auth/token/": {"post"},
    "/api/v1/auth/me/": {"get"},
    "/api/v1/regions/": {"get"},
    "/api/v1/categories/": {"get"},
    "/api/v1/disputes/": {"get", "post"},
    "/api/v1/disputes/{id}/": {"get"},
    "/api/v1/disputes/{id}/transitions/{name}/": {"post"},
    "/api/v1/disputes/{id}/events/": {"get"},
    "/api/v1/disputes/{id}/language/": {"post"},
    "/api/v1/disputes/{id}/evidence/": {"get", "post"},
    "/api/v1/disputes/{id}/evidence/{evidence_id}/download/": {"get"},
    "/api/v1/queue/": {"get"},
    "/api/v1/disputes/{id}/settlement/": {"get"},
    "/api/v1/disputes/{id}/settlement/sign-code/": {"post"},
    "/api/v1/disputes/{id}/settlement/pdf/": {"get"},
    "/api/v1/verify/": {"post"},
}


@pytest.fixture
def schema(api) -> dict:
    r = api().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    return json.loads(r.content)


def test_the_schema_is_a_valid_openapi_3_document(schema):
    assert re.fullmatch(r"3\.\d+\.\d+", schema["openapi"])
    assert schema["info"]["title"] == "Tiaojie API"
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 JSON schema


def test_the_schema_is_served_as_yaml_by_default_and_anonymously(api):
    r = api().get("/api/v1/schema/")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(r.content)["openapi"].startswith("3.")


@pytest.mark.parametrize(("path", "methods"), DOCUMENTED.items())
def test_the_schema_describes_every_documented_endpoint(path, methods, schema):
    assert path in schema["paths"]
    assert methods <= set(schema["paths"][path])


def test_the_schema_describes_the_dispute_shapes(schema):
    listing = schema["paths"]["/api/v1/disputes/"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "state",
        "grid",
        "category",
        "overdue",
        "q",
        "cursor",
    }
    page = schema["components"]["schemas"]["PaginatedDisputeListList"]["properties"]
    assert set(page) == {"results", "next", "previous"}
    detail = schema["components"]["schemas"]["DisputeDetail"]["properties"]
    assert {"state", "available_transitions", "claimant", "respondent", "mediator", "due_at"} <= set(detail)
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_generating_the_schema_raises_no_warnings(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert yaml.safe_load(out.read_text())["paths"]


def test_the_docs_page_loads_its_scripts_from_this_server_only(client):
    r = client.get("/api/v1/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), (
        "the docs page loads something from elsewhere"
    )
    for host in ("cdn", "unpkg", "jsdelivr", "cloudflare", "googleapis"):
        assert host not in html
    assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_the_docs_point_at_the_local_schema(client):
    html = client.get("/api/v1/docs/").content.decode()
    assert "/api/v1/schema/" in html
