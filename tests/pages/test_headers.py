"""Security headers on pages, the API, the API docs and files (docs/security.md, "Pages and headers")."""

import re

import pytest

from tests.pages.helpers import png

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    csp = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in csp.split(";")) if part}


def assert_hardened(response):
    policy = directives(response)
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    return policy


def test_a_page_has_a_nonce_policy_without_unsafe_inline_scripts(client):
    response = client.get("/")
    assert response.status_code == 200
    policy = assert_hardened(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    # A page that uses no nonce gets none: scripts only from this origin.
    assert policy["script-src"] == "script-src 'self'"
    assert policy["object-src"] == "object-src 'none'"
    assert policy["base-uri"] == "base-uri 'none'"


def test_no_template_has_an_inline_script_or_handler(client, signed_in, claimant, dispute):
    """Pages a party sees: every <script> has a src, a nonce or is a JSON data block."""
    page = signed_in(claimant)
    for url in ("/", dispute.get_absolute_url(), "/notifications/", "/disputes/file/"):
        html = page.get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or "nonce=" in tag or 'type="application/json"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert "javascript:" not in html, url


def test_the_nonce_changes_per_response(client, claimant):
    client.force_login(claimant)
    first = directives(client.get("/api/v1/docs/"))["script-src"]
    second = directives(client.get("/api/v1/docs/"))["script-src"]
    assert re.search(r"'nonce-[A-Za-z0-9+/=]{20,}'", first)
    assert first != second


def test_hsts_on_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert_hardened(response)


def test_the_api_has_the_headers(api, claimant):
    response = api(claimant).get("/api/v1/auth/me/", secure=True)
    assert response.status_code == 200
    assert_hardened(response)
    # Unauthenticated JSON errors too.
    assert_hardened(api().get("/api/v1/auth/me/"))


def test_swagger_ui_start_up_script_carries_the_nonce(client, claimant):
    client.force_login(claimant)
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", directives(response)["script-src"]).group(1)
    inline = [t for t in re.findall(r"<script\b[^>]*>", response.content.decode()) if "src=" not in t]
    assert inline == [f'<script nonce="{nonce}">']


def test_redoc_loads_nothing_from_another_origin(client, claimant):
    client.force_login(claimant)
    response = client.get("/api/v1/redoc/")
    assert response.status_code == 200
    assert "fonts.googleapis.com" not in response.content.decode()


def test_static_files_have_the_headers(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert_hardened(response)


def test_an_evidence_download_keeps_its_sandbox_and_forbids_framing(api, claimant, dispute):
    client = api(claimant)
    upload = client.post(
        f"/api/v1/disputes/{dispute.pk}/evidence/",
        {"file": _file("photo.png", png())},
        format="multipart",
    )
    assert upload.status_code == 201, upload.content
    response = client.get(f"/api/v1/disputes/{dispute.pk}/evidence/{upload.json()['id']}/download/")
    assert response.status_code == 200
    policy = assert_hardened(response)
    assert policy["default-src"] == "default-src 'none'"
    assert "sandbox" in policy


def test_forwarded_headers_are_not_trusted_without_a_named_proxy(client, settings):
    """X-Forwarded-Host never changes the host; X-Forwarded-Proto only with DJANGO_BEHIND_PROXY."""
    assert settings.USE_X_FORWARDED_HOST is False and settings.USE_X_FORWARDED_PORT is False
    settings.SECURE_HSTS_SECONDS = 3600
    response = client.get("/", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="evil.example")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response  # the request was not taken as HTTPS
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"] == "max-age=3600"


def _file(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")
