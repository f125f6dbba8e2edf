"""API routes of accounts (included under /api/v1/ by config.api_urls; names stay api:<name>)."""

from django.urls import path

from . import api

urlpatterns = [
    path("auth/register/", api.RegisterView.as_view(), name="register"),
    path("auth/send-code/", api.SendCodeView.as_view(), name="send-code"),
    path("auth/verify-phone/", api.VerifyPhoneView.as_view(), name="verify-phone"),
    path("auth/token/", api.TokenView.as_view(), name="token"),
    path("auth/password-reset/", api.PasswordResetView.as_view(), name="password-reset"),
    path(
        "auth/password-reset/confirm/", api.PasswordResetConfirmView.as_view(), name="password-reset-confirm"
    ),
    path("auth/logout/", api.LogoutView.as_view(), name="logout"),
    path("auth/me/", api.MeView.as_view(), name="me"),
    path("privacy-notice/", api.PrivacyNoticeView.as_view(), name="privacy-notice"),
    path("privacy-notice/accept/", api.PrivacyAcceptView.as_view(), name="privacy-accept"),
    path("regions/", api.RegionListView.as_view(), name="regions"),
    path("places/", api.PlaceSearchView.as_view(), name="places"),
]
