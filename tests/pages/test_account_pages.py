import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

from .helpers import latest_code, sms_to

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "xiaoming",
    "password": "mediate-me-2026",
    "full_name": "王小明",
    "phone": "139 1234 0001",
    "email": "",
    "privacy_notice": "on",
}


def sign_up(client, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("accounts:signup"), {**SIGNUP, **overrides})


def test_signup_page_renders_in_chinese_by_default(client):
    response = client.get(reverse("accounts:signup"))
    assert response.status_code == 200
    assert "注册" in response.content.decode()


def test_signup_sends_a_code_and_verifying_signs_the_user_in(client, django_capture_on_commit_callbacks):
    response = sign_up(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response.url == reverse("accounts:verify")
    user = User.objects.get(username="xiaoming")
    assert user.phone == "13912340001" and not user.phone_verified

    page = client.get(response.url).content.decode()
    assert 'value="13912340001"' in page  # the phone is filled in

    response = client.post(response.url, {"phone": "13912340001", "code": latest_code("13912340001")})
    assert response.status_code == 302 and response.url == reverse("disputes:mine")
    user.refresh_from_db()
    assert user.phone_verified
    assert client.get(reverse("disputes:mine")).context["user"] == user


def test_signup_shows_errors_next_to_the_fields(client, django_capture_on_commit_callbacks):
    response = sign_up(client, django_capture_on_commit_callbacks, phone="12345", password="123")
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"phone", "password"}
    assert not User.objects.exists()


def test_signup_with_a_taken_username_shows_the_service_error(client, django_capture_on_commit_callbacks):
    UserFactory(username="xiaoming")
    response = sign_up(client, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "username" in response.context["form"].errors


def test_a_wrong_code_is_refused(client, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks)
    code = latest_code("13912340001")
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    response = client.post(reverse("accounts:verify"), {"phone": "13912340001", "code": wrong})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert not User.objects.get(username="xiaoming").phone_verified


def test_resending_too_soon_shows_the_rate_limit_message(client, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks)
    response = client.post(reverse("accounts:verify"), {"phone": "13912340001", "resend": "1"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_resend_for_an_unknown_number_answers_the_same_and_sends_nothing(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:verify"), {"phone": "13912340099", "resend": "1"})
    assert response.status_code == 302 and response.url == reverse("accounts:verify")
    assert sms_to("13912340099") == []


def test_sign_in_and_sign_out(client, claimant):
    response = client.post(reverse("accounts:login"), {"username": "claimant", "password": "tiaojie-test-pw"})
    assert response.status_code == 302 and response.url == reverse("disputes:mine")
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("disputes:mine")).status_code == 302


def test_home_page_links_to_sign_up(client):
    page = client.get(reverse("home")).content.decode()
    assert reverse("accounts:signup") in page


def test_language_switch_shows_english(client, claimant):
    client.force_login(claimant)
    client.post(reverse("set_language"), {"language": "en", "next": "/disputes/"})
    page = client.get(reverse("disputes:mine")).content.decode()
    assert "My disputes" in page and "我的纠纷" not in page
