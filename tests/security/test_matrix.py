"""Authorization, generated: every route × every role against a declared table (docs/security.md).

The routes come from the URL resolver and the ASGI websocket router; a route missing from
`EXPECT` (or an entry naming a route that no longer exists) fails with its name. Each route is
asked with GET and POST (and PUT, PATCH or DELETE where its view declares them), with an empty
body, as each role in `ROLES`; every request is rolled back, so all roles see the same world.
"""

from __future__ import annotations

import pytest

from .conftest import (
    CAUCUS_READERS,
    MARKERS,
    REPORT,
    ROLES,
    STRANGERS,
    request_rolled_back,
    routes,
    status_class,
    websocket_routes,
)

pytestmark = pytest.mark.django_db

# Columns: anonymous, claimant, respondent, outsider, grid_worker, other_grid_worker, mediator, other_mediator, handler, other_handler, admin.
# ok 2xx, login a redirect to sign in, redirect another redirect, else the status code.
EXPECT: dict[str, str] = {
    # Self-help (docs/features/self-help.md): open to all; a walk only to the browser or user that made it.
    "GET api/v1/guides/": "ok ok ok ok ok ok ok ok ok ok ok",
    "POST api/v1/guides/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/guides/<slug:slug>/": "404 404 404 404 404 404 404 404 404 404 404",
    "POST api/v1/guides/<slug:slug>/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET help/": "ok ok ok ok ok ok ok ok ok ok ok",
    "POST help/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET help/walk/<int:pk>/step/<int:step>/": "404 404 404 404 404 404 404 404 404 404 404",
    "POST help/walk/<int:pk>/step/<int:step>/": "404 404 404 404 404 404 404 404 404 404 404",
    "GET help/walk/<int:pk>/outcome/": "404 404 404 404 404 404 404 404 404 404 404",
    "POST help/walk/<int:pk>/outcome/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET help/walk/<int:pk>/letters/<slug:key>/": "404 404 404 404 404 404 404 404 404 404 404",
    "POST help/walk/<int:pk>/letters/<slug:key>/": "404 404 404 404 404 404 404 404 404 404 404",
    "GET help/<slug:slug>/": "404 404 404 404 404 404 404 404 404 404 404",
    "POST help/<slug:slug>/": "404 404 404 404 404 404 404 404 404 404 404",
    "GET ": "ok ok ok ok ok ok ok ok ok ok ok",
    "POST ": "405 405 405 405 405 405 405 405 405 405 405",
    "GET i18n/setlang/": "redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "POST i18n/setlang/": "redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "GET api/v1/schema/": "ok ok ok ok ok ok ok ok ok ok ok",
    "POST api/v1/schema/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/docs/": "ok ok ok ok ok ok ok ok ok ok ok",
    "POST api/v1/docs/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/redoc/": "ok ok ok ok ok ok ok ok ok ok ok",
    "POST api/v1/redoc/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/auth/register/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/auth/register/": "400 400 400 400 400 400 400 400 400 400 400",
    "GET api/v1/auth/send-code/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/auth/send-code/": "400 400 400 400 400 400 400 400 400 400 400",
    "GET api/v1/auth/verify-phone/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/auth/verify-phone/": "400 400 400 400 400 400 400 400 400 400 400",
    "GET api/v1/auth/token/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/auth/token/": "400 400 400 400 400 400 400 400 400 400 400",
    "GET api/v1/auth/password-reset/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/auth/password-reset/": "400 400 400 400 400 400 400 400 400 400 400",
    "GET api/v1/auth/password-reset/confirm/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/auth/password-reset/confirm/": "400 400 400 400 400 400 400 400 400 400 400",
    "GET api/v1/auth/logout/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/auth/logout/": "401 ok ok ok ok ok ok ok ok ok ok",
    "GET api/v1/auth/me/": "401 ok ok ok ok ok ok ok ok ok ok",
    "POST api/v1/auth/me/": "401 405 405 405 405 405 405 405 405 405 405",
    "PATCH api/v1/auth/me/": "401 ok ok ok ok ok ok ok ok ok ok",
    "GET api/v1/auth/me/delete/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/auth/me/delete/": "401 400 400 400 403 403 403 403 403 403 403",
    "GET api/v1/privacy-notice/": "ok ok ok ok ok ok ok ok ok ok ok",
    "POST api/v1/privacy-notice/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/privacy-notice/accept/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/privacy-notice/accept/": "401 400 400 400 400 400 400 400 400 400 400",
    "GET api/v1/auth/me/data/": "401 ok ok ok ok ok ok ok ok ok ok",
    "POST api/v1/auth/me/data/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET privacy/": "ok ok ok ok ok ok ok ok ok ok ok",
    "POST privacy/": "login redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "GET my-data/": "login ok ok ok ok ok ok ok ok ok ok",
    "POST my-data/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/regions/": "ok ok ok ok ok ok ok ok ok ok ok",
    "POST api/v1/regions/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/places/": "400 400 400 400 400 400 400 400 400 400 400",
    "POST api/v1/places/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/notifications/": "401 ok ok ok ok ok ok ok ok ok ok",
    "POST api/v1/notifications/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/notifications/<int:pk>/read/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/notifications/<int:pk>/read/": "401 ok 404 404 404 404 404 404 404 404 404",
    "GET api/v1/notifications/read-all/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/notifications/read-all/": "401 ok ok ok ok ok ok ok ok ok ok",
    "GET api/v1/notifications/preferences/": "401 ok ok ok ok ok ok ok ok ok ok",
    "POST api/v1/notifications/preferences/": "401 405 405 405 405 405 405 405 405 405 405",
    "PUT api/v1/notifications/preferences/": "401 400 400 400 400 400 400 400 400 400 400",
    "GET api/v1/categories/": "ok ok ok ok ok ok ok ok ok ok ok",
    "POST api/v1/categories/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/disputes/": "401 ok ok ok ok ok ok ok ok ok ok",
    "POST api/v1/disputes/": "401 400 400 400 400 400 400 400 400 400 400",
    "GET api/v1/disputes/<int:pk>/": "401 ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/disputes/<int:pk>/transitions/<str:name>/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/transitions/<str:name>/": "401 400 400 404 403 404 400 404 403 404 403",
    "GET api/v1/disputes/<int:pk>/events/": "401 ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/events/": "401 405 405 405 405 405 405 405 405 405 405",
    # Related disputes (docs/features/intake.md): staff in charge read, the grid worker links.
    "GET api/v1/disputes/<int:pk>/related/": "401 403 403 404 ok 404 403 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/related/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/disputes/<int:pk>/links/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/links/": "401 403 403 404 400 404 403 404 403 404 403",
    "GET disputes/<int:pk>/links/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/links/": "login 403 403 404 redirect 404 403 404 403 404 403",
    "GET api/v1/disputes/<int:pk>/evidence/": "401 ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/evidence/": "401 400 400 404 400 404 400 404 400 404 400",
    "GET api/v1/disputes/<int:pk>/evidence/<int:evidence_id>/download/": "401 ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/evidence/<int:evidence_id>/download/": "401 405 405 405 405 405 405 405 405 405 405",
    # Parties, agents and guardians (docs/features/parties.md): the grid worker adds parties and
    # checks authorisations; a party may record its own agent (the claimant's 400: empty body).
    "GET api/v1/disputes/<int:pk>/parties/": "401 ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/parties/": "401 403 403 404 400 404 403 404 403 404 403",
    "GET api/v1/disputes/<int:pk>/parties/<int:party_id>/representatives/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/parties/<int:party_id>/representatives/": "401 400 403 404 400 404 403 404 403 404 403",
    "GET api/v1/disputes/<int:pk>/representatives/<int:rep_id>/check/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/representatives/<int:rep_id>/check/": "401 404 404 404 404 404 404 404 404 404 404",
    "GET api/v1/disputes/<int:pk>/representatives/<int:rep_id>/revoke/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/representatives/<int:rep_id>/revoke/": "401 404 404 404 404 404 404 404 404 404 404",
    "GET api/v1/disputes/<int:pk>/representatives/<int:rep_id>/authorisation/": "401 404 404 404 404 404 404 404 404 404 404",
    "POST api/v1/disputes/<int:pk>/representatives/<int:rep_id>/authorisation/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/queue/": "401 ok ok ok ok ok ok ok ok ok ok",
    "POST api/v1/queue/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/disputes/<int:pk>/home-visit/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/home-visit/": "401 400 400 404 400 404 400 404 400 404 400",
    "GET api/v1/disputes/<int:pk>/info-requests/": "401 ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/info-requests/": "401 403 403 404 403 404 403 404 400 404 403",
    "GET api/v1/disputes/<int:pk>/info-requests/<int:request_id>/answer/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/info-requests/<int:request_id>/answer/": "401 404 404 404 404 404 404 404 404 404 404",
    "GET api/v1/disputes/<int:pk>/rating/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/rating/": "401 400 400 404 403 404 403 404 403 404 403",
    "GET api/v1/reviews/": "401 403 403 403 403 403 403 403 ok ok ok",
    "POST api/v1/reviews/": "401 403 403 403 403 403 403 403 405 405 405",
    "GET api/v1/reviews/<int:review_id>/answer/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/reviews/<int:review_id>/answer/": "401 404 404 404 404 404 404 404 404 404 404",
    "GET api/v1/reviews/<int:review_id>/followup/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/reviews/<int:review_id>/followup/": "401 404 404 404 404 404 404 404 404 404 404",
    "GET api/v1/stats/": "401 403 403 403 ok ok 403 403 ok ok ok",
    "POST api/v1/stats/": "401 403 403 403 405 405 403 403 405 405 405",
    "GET api/v1/risk-alerts/": "401 403 403 403 ok ok 403 403 ok ok ok",
    "POST api/v1/risk-alerts/": "401 403 403 403 405 405 403 403 405 405 405",
    "GET api/v1/disputes/export/": "401 403 403 403 ok ok 403 403 ok ok ok",
    "POST api/v1/disputes/export/": "401 403 403 403 405 405 403 403 405 405 405",
    "GET api/v1/queue/export/": "401 403 403 403 ok ok 403 403 ok ok ok",
    "POST api/v1/queue/export/": "401 403 403 403 405 405 403 403 405 405 405",
    "GET api/v1/disputes/export/research/": "401 403 403 403 ok ok 403 403 ok ok ok",
    "POST api/v1/disputes/export/research/": "401 403 403 403 405 405 403 403 405 405 405",
    # Reveals (docs/personal-data-masking.md): a party who sees the dispute is refused (403), a
    # stranger never learns it exists (404), staff in charge get 400 for the empty body.
    "GET api/v1/disputes/<int:pk>/language/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/language/": "401 403 403 404 400 404 400 404 400 404 403",
    "GET api/v1/disputes/<int:pk>/grid/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/grid/": "401 403 403 404 400 404 403 404 400 404 403",
    "GET api/v1/disputes/<int:pk>/reveal/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/reveal/": "401 403 403 404 400 404 400 404 400 404 400",
    "GET api/v1/reveals/": "401 403 403 403 403 403 403 403 ok ok ok",
    "POST api/v1/reveals/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET disputes/<int:pk>/language/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/language/": "login 403 403 404 redirect 404 redirect 404 redirect 404 403",
    "GET disputes/<int:pk>/grid/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/grid/": "login 403 403 404 redirect 404 403 404 redirect 404 403",
    "GET disputes/<int:pk>/reveal/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/reveal/": "login 403 403 404 400 404 400 404 400 404 400",
    "GET reveals/": "login 403 403 403 403 403 403 403 ok ok ok",
    "POST reveals/": "login 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/disputes/<int:pk>/candidates/": "401 403 403 404 ok 404 403 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/candidates/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/disputes/<int:pk>/assignments/": "401 ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/assignments/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/disputes/<int:pk>/recusals/": "401 ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/recusals/": "401 400 400 404 400 404 400 404 400 404 400",
    "GET api/v1/disputes/<int:pk>/recusals/<int:recusal_id>/decision/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/recusals/<int:recusal_id>/decision/": "401 404 404 404 404 404 404 404 404 404 404",
    "GET api/v1/mediators/me/availability/": "401 404 404 404 404 404 ok ok 404 404 404",
    "POST api/v1/mediators/me/availability/": "401 405 405 405 405 405 405 405 405 405 405",
    "PUT api/v1/mediators/me/availability/": "401 404 404 404 404 404 ok ok 404 404 404",
    "GET api/v1/disputes/<int:pk>/rooms/": "401 ok ok 404 403 404 ok 404 403 404 403",
    "POST api/v1/disputes/<int:pk>/rooms/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/rooms/<int:room_id>/messages/": "401 ok ok 404 403 404 ok 404 403 404 403",
    "POST api/v1/rooms/<int:room_id>/messages/": "401 400 400 404 403 404 400 404 403 404 403",
    "GET api/v1/rooms/<int:room_id>/voice/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/rooms/<int:room_id>/voice/": "401 400 400 404 404 404 400 404 404 404 404",
    "GET api/v1/rooms/<int:room_id>/voice/<int:attachment_id>/": "401 404 404 404 404 404 404 404 404 404 404",
    "POST api/v1/rooms/<int:room_id>/voice/<int:attachment_id>/": "401 405 405 405 405 405 405 405 405 405 405",
    # Calls (docs/chat-protocol.md, "Calls"): TURN credentials for the room's members only.
    "GET api/v1/rooms/<int:room_id>/call-credentials/": "401 ok ok 404 404 404 ok 404 404 404 404",
    "POST api/v1/rooms/<int:room_id>/call-credentials/": "401 405 405 405 405 405 405 405 405 405 405",
    # Call recordings (docs/features/calls.md): members of the call's room; uploads by its mediator.
    "GET api/v1/calls/<uuid:call_id>/consent/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/calls/<uuid:call_id>/consent/": "401 400 400 404 404 404 400 404 404 404 404",
    "GET api/v1/calls/<uuid:call_id>/recording-status/": "401 ok ok 404 404 404 ok 404 404 404 404",
    "POST api/v1/calls/<uuid:call_id>/recording-status/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/calls/<uuid:call_id>/recordings/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/calls/<uuid:call_id>/recordings/": "401 403 403 404 404 404 400 404 404 404 404",
    "GET api/v1/recordings/<uuid:recording_id>/": "401 ok ok 404 404 404 ok 404 404 404 404",
    "POST api/v1/recordings/<uuid:recording_id>/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/recordings/<uuid:recording_id>/chunks/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/recordings/<uuid:recording_id>/chunks/": "401 405 405 405 405 405 405 405 405 405 405",
    "PUT api/v1/recordings/<uuid:recording_id>/chunks/": "401 403 403 404 404 404 400 404 404 404 404",
    "PATCH api/v1/recordings/<uuid:recording_id>/chunks/": "401 403 403 404 404 404 400 404 404 404 404",
    "GET api/v1/recordings/<uuid:recording_id>/complete/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/recordings/<uuid:recording_id>/complete/": "401 403 403 404 404 404 400 404 404 404 404",
    "GET api/v1/recordings/<uuid:recording_id>/file/": "401 404 404 404 404 404 404 404 404 404 404",
    "POST api/v1/recordings/<uuid:recording_id>/file/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/ws-tickets/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/ws-tickets/": "401 ok ok ok ok ok ok ok ok ok ok",
    "GET api/v1/disputes/<int:pk>/settlement/": "401 ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/settlement/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/disputes/<int:pk>/settlement/sign-code/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/settlement/sign-code/": "401 ok ok 404 403 404 409 404 403 404 403",
    "GET api/v1/disputes/<int:pk>/settlement/sign/prepare/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/settlement/sign/prepare/": "401 400 400 404 400 404 400 404 400 404 400",
    "GET api/v1/disputes/<int:pk>/settlement/pdf/": "401 ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/settlement/pdf/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/verify/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/verify/": "415 415 415 415 415 415 415 415 415 415 415",
    "GET api/v1/certificates/<str:serial>/revoke/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/certificates/<str:serial>/revoke/": "401 403 403 403 403 403 403 403 403 403 404",
    "GET api/v1/disputes/<int:pk>/judicial/": "401 ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/judicial/": "401 409 409 404 403 404 403 404 403 404 403",
    "GET api/v1/disputes/<int:pk>/judicial/sign-code/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/judicial/sign-code/": "401 409 409 404 403 404 403 404 403 404 403",
    "GET api/v1/disputes/<int:pk>/judicial/sign/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/judicial/sign/": "401 400 400 404 400 404 400 404 400 404 400",
    "GET api/v1/disputes/<int:pk>/judicial/pdf/": "401 404 404 404 404 404 404 404 404 404 404",
    "POST api/v1/disputes/<int:pk>/judicial/pdf/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/disputes/<int:pk>/judicial/outcome/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/disputes/<int:pk>/judicial/outcome/": "401 400 400 404 400 404 400 404 400 404 400",
    "GET api/v1/disputes/<int:pk>/dossier/": "401 403 403 404 ok 404 403 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/dossier/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/disputes/<int:pk>/referral-letter/": "401 403 403 404 404 404 403 404 404 404 404",
    "POST api/v1/disputes/<int:pk>/referral-letter/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET accounts/delete/": "login ok ok ok ok ok ok ok ok ok ok",
    "POST accounts/delete/": "login 409 409 ok 403 403 403 403 403 403 403",
    "GET accounts/signup/": "ok redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "POST accounts/signup/": "ok redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "GET accounts/verify/": "ok ok ok ok ok ok ok ok ok ok ok",
    "POST accounts/verify/": "ok ok ok ok ok ok ok ok ok ok ok",
    "GET accounts/login/": "ok redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "POST accounts/login/": "ok redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "PUT accounts/login/": "ok redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "GET accounts/password-reset/": "ok redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "POST accounts/password-reset/": "ok redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "GET accounts/password-reset/confirm/": "ok redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "POST accounts/password-reset/confirm/": "ok redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "GET accounts/logout/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST accounts/logout/": "redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "GET accounts/language/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST accounts/language/": "redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "GET accounts/text-size/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST accounts/text-size/": "400 400 400 400 400 400 400 400 400 400 400",
    "GET disputes/": "login ok ok ok ok ok ok ok ok ok ok",
    "POST disputes/": "login ok ok ok ok ok ok ok ok ok ok",
    "GET disputes/new/": "login ok ok ok ok ok ok ok ok ok ok",
    "POST disputes/new/": "login ok ok ok ok ok ok ok ok ok ok",
    "GET disputes/queue/": "login 403 403 403 ok ok ok ok ok ok 403",
    "POST disputes/queue/": "login 403 403 403 ok ok ok ok ok ok 403",
    "GET disputes/<int:pk>/": "login ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST disputes/<int:pk>/": "login ok ok 404 ok 404 ok 404 ok 404 ok",
    "GET disputes/<int:pk>/evidence/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/evidence/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET disputes/<int:pk>/parties/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/parties/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET disputes/<int:pk>/representatives/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/representatives/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET disputes/<int:pk>/representatives/<int:rep_id>/check/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/representatives/<int:rep_id>/check/": "login 404 404 404 404 404 404 404 404 404 404",
    "GET disputes/<int:pk>/representatives/<int:rep_id>/revoke/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/representatives/<int:rep_id>/revoke/": "login 404 404 404 404 404 404 404 404 404 404",
    "GET disputes/<int:pk>/transitions/<str:name>/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/transitions/<str:name>/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET disputes/<int:pk>/home-visit/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/home-visit/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET disputes/<int:pk>/rating/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/rating/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET disputes/reviews/": "login 403 403 403 403 403 403 403 ok ok ok",
    "POST disputes/reviews/": "login 403 403 403 403 403 403 403 ok ok ok",
    "GET disputes/reviews/<int:review_id>/answer/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/reviews/<int:review_id>/answer/": "login 404 404 404 404 404 404 404 404 404 404",
    "GET disputes/reviews/<int:review_id>/followup/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/reviews/<int:review_id>/followup/": "login 404 404 404 404 404 404 404 404 404 404",
    "GET audit/": "login 403 403 403 403 403 403 403 ok ok ok",
    "POST audit/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET cases/": "login 403 403 403 403 403 403 403 ok ok ok",
    "POST cases/": "login 403 403 403 403 403 403 403 ok ok ok",
    "GET cases/<int:pk>/": "login 403 403 404 403 404 403 404 ok 404 ok",
    "POST cases/<int:pk>/": "login 403 403 404 403 404 403 404 ok 404 ok",
    "GET cases/<int:pk>/info-requests/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST cases/<int:pk>/info-requests/": "login 403 403 404 403 404 403 404 redirect 404 redirect",
    "GET cases/<int:pk>/actions/<str:name>/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST cases/<int:pk>/actions/<str:name>/": "login 404 404 404 404 404 404 404 404 404 404",
    "GET cockpit/": "login 403 403 403 ok ok 403 403 ok ok ok",
    "POST cockpit/": "login 403 403 403 ok ok 403 403 ok ok ok",
    "GET cockpit/alerts/<int:pk>/": "login 403 403 403 404 404 403 403 404 404 404",
    "POST cockpit/alerts/<int:pk>/": "login 405 405 405 405 405 405 405 405 405 405",
    "GET cockpit/alerts/<int:pk>/acknowledge/": "login 405 405 405 405 405 405 405 405 405 405",
    "POST cockpit/alerts/<int:pk>/acknowledge/": "login 403 403 403 404 404 403 403 404 404 404",
    "GET disputes/<int:pk>/info-requests/<int:request_id>/answer/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/info-requests/<int:request_id>/answer/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET verify/<str:code>/": "404 404 404 404 404 404 404 404 404 404 404",
    "POST verify/<str:code>/": "404 404 404 404 404 404 404 404 404 404 404",
    "GET disputes/<int:pk>/settlement/sign-code/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/settlement/sign-code/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET mediation/pool/caseload/": "login 404 404 404 404 404 ok ok 404 404 404",
    "POST mediation/pool/caseload/": "login 404 404 404 404 404 redirect redirect 404 404 404",
    "GET mediation/pool/disputes/<int:pk>/recusal/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST mediation/pool/disputes/<int:pk>/recusal/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET mediation/pool/disputes/<int:pk>/recusal/<int:recusal_id>/decision/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST mediation/pool/disputes/<int:pk>/recusal/<int:recusal_id>/decision/": "login 404 404 404 404 404 404 404 404 404 404",
    "GET mediation/rooms/<int:room_id>/": "login ok ok 404 404 404 ok 404 404 404 404",
    "POST mediation/rooms/<int:room_id>/": "login ok ok 404 404 404 ok 404 404 404 404",
    # Sessions (docs/features/sessions.md): the world's session is the claimant's caucus session;
    # only its party and the mediator know it exists, only the mediator changes it.
    "GET api/v1/disputes/<int:pk>/sessions/": "401 ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST api/v1/disputes/<int:pk>/sessions/": "401 403 403 404 403 404 400 404 403 404 403",
    "GET api/v1/sessions/<int:pk>/": "401 ok 404 404 404 404 ok 404 404 404 404",
    "POST api/v1/sessions/<int:pk>/": "401 405 405 405 405 405 405 405 405 405 405",
    "PATCH api/v1/sessions/<int:pk>/": "401 403 404 404 404 404 400 404 404 404 404",
    "GET api/v1/sessions/<int:pk>/cancel/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/sessions/<int:pk>/cancel/": "401 403 404 404 404 404 400 404 404 404 404",
    "GET api/v1/sessions/<int:pk>/dial/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/sessions/<int:pk>/dial/": "401 403 404 404 404 404 409 404 404 404 404",
    "GET sessions/<int:pk>/": "login ok 404 404 404 404 ok 404 404 404 404",
    "POST sessions/<int:pk>/": "405 405 405 405 405 405 405 405 405 405 405",
    "GET sessions/<int:pk>/change/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST sessions/<int:pk>/change/": "login redirect 404 404 404 404 redirect 404 404 404 404",
    "GET sessions/<int:pk>/cancel/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST sessions/<int:pk>/cancel/": "login redirect 404 404 404 404 redirect 404 404 404 404",
    "GET sessions/<int:pk>/dial/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST sessions/<int:pk>/dial/": "login redirect 404 404 404 404 redirect 404 404 404 404",
    "GET disputes/<int:pk>/sessions/new/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST disputes/<int:pk>/sessions/new/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET mediation/disputes/<int:pk>/chat/": "login redirect redirect 404 404 404 redirect 404 404 404 404",
    "POST mediation/disputes/<int:pk>/chat/": "login redirect redirect 404 404 404 redirect 404 404 404 404",
    "GET mediation/disputes/<int:pk>/judicial/start/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST mediation/disputes/<int:pk>/judicial/start/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET mediation/disputes/<int:pk>/judicial/sign-code/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST mediation/disputes/<int:pk>/judicial/sign-code/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET mediation/disputes/<int:pk>/judicial/sign/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST mediation/disputes/<int:pk>/judicial/sign/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET mediation/disputes/<int:pk>/judicial/outcome/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST mediation/disputes/<int:pk>/judicial/outcome/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET notifications/": "login ok ok ok ok ok ok ok ok ok ok",
    "POST notifications/": "login ok ok ok ok ok ok ok ok ok ok",
    "GET notifications/<int:pk>/open/": "login 405 405 405 405 405 405 405 405 405 405",
    "POST notifications/<int:pk>/open/": "login redirect 404 404 404 404 404 404 404 404 404",
    "GET notifications/read-all/": "login 405 405 405 405 405 405 405 405 405 405",
    "POST notifications/read-all/": "login redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    "GET notifications/preferences/": "login 405 405 405 405 405 405 405 405 405 405",
    "POST notifications/preferences/": "login redirect redirect redirect redirect redirect redirect redirect redirect redirect redirect",
    # Session minutes (docs/features/minutes.md): attendees, the mediator and staff of the region read a
    # joint session's; only the mediator writes; strangers get 404. Parties confirm only minutes they
    # were recorded present in (none here: 403).
    "GET api/v1/sessions/<int:session_id>/minutes/": "401 ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST api/v1/sessions/<int:session_id>/minutes/": "401 405 405 405 405 405 405 405 405 405 405",
    "PUT api/v1/sessions/<int:session_id>/minutes/": "401 403 403 404 403 404 ok 404 403 404 403",
    "GET api/v1/sessions/<int:session_id>/minutes/finalise/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/sessions/<int:session_id>/minutes/finalise/": "401 403 403 404 403 404 409 404 403 404 403",
    "GET api/v1/sessions/<int:session_id>/minutes/pdf/": "401 404 404 404 404 404 404 404 404 404 404",
    "POST api/v1/sessions/<int:session_id>/minutes/pdf/": "401 405 405 405 405 405 405 405 405 405 405",
    "GET api/v1/sessions/<int:session_id>/minutes/confirm-code/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/sessions/<int:session_id>/minutes/confirm-code/": "401 403 403 404 403 404 403 404 403 404 403",
    "GET api/v1/sessions/<int:session_id>/minutes/confirm/": "401 405 405 405 405 405 405 405 405 405 405",
    "POST api/v1/sessions/<int:session_id>/minutes/confirm/": "401 403 403 404 403 404 403 404 403 404 403",
    "GET sessions/<int:session_id>/minutes/": "login ok ok 404 ok 404 ok 404 ok 404 ok",
    "POST sessions/<int:session_id>/minutes/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET sessions/<int:session_id>/minutes/finalise/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST sessions/<int:session_id>/minutes/finalise/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET sessions/<int:session_id>/minutes/confirm-code/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST sessions/<int:session_id>/minutes/confirm-code/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
    "GET sessions/<int:session_id>/minutes/confirm/": "405 405 405 405 405 405 405 405 405 405 405",
    "POST sessions/<int:session_id>/minutes/confirm/": "login redirect redirect 404 redirect 404 redirect 404 redirect 404 redirect",
}  # fmt: skip


def fill(pattern: str, world) -> str:
    values = {
        "pk": world.dispute.pk, "name": "sign", "evidence_id": world.evidence.pk,
        "room_id": world.rooms["joint"].pk, "code": world.settlement.verification_code,
        "request_id": 999999, "review_id": 999999, "recusal_id": 999999,
        "object_id": world.dispute.pk, "content_type_id": 1, "app_label": "disputes",
        "session_id": world.joint_session.pk,
        "party_id": world.dispute.parties.get(side="claimant", position=0).pk, "rep_id": 999999,
    }  # fmt: skip
    if "notifications/" in pattern:
        values["pk"] = world.notification.pk
    if pattern.startswith(("sessions/", "api/v1/sessions/")):
        values["pk"] = world.session.pk
    if "call_id>" in pattern or "recording_id>" in pattern:
        values["call_id"], values["recording_id"] = world.call.pk, world.recording.pk
    import re

    def one(match):
        return str(values.get(match.group(2), world.dispute.pk))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", one, pattern)


def methods_of(route) -> list[str]:
    if route.pattern.startswith("admin/"):
        return ["GET"]
    return ["GET", "POST", *route.methods]


def test_every_route_answers_each_role_as_declared(world):
    mismatches, missing, leaks = [], [], []
    checked = 0
    seen = set()
    for route in routes():
        url = fill(route.pattern, world)
        for method in methods_of(route):
            row = []
            for role in ROLES:
                kwargs = {"data": "{}", "content_type": "application/json"} if method != "GET" else {}
                response = request_rolled_back(world.client(role), method, url, **kwargs)
                got = status_class(response)
                row.append(got)
                if "logout" in route.pattern:
                    world.clients.pop(role, None)  # signed out: the next route gets a fresh session
                checked += 1
                body = response.body.decode("utf-8", "replace")
                secret = [
                    k
                    for k, v in MARKERS.items()
                    if v in body and (role in STRANGERS or (k == "caucus" and role not in CAUCUS_READERS))
                ]
                if secret:
                    leaks.append(f"{method} {route.pattern} as {role}: {secret}")
            key = f"{method} {route.pattern}"
            seen.add(key)
            line = " ".join(row)
            if route.pattern in ("admin/login/", "admin/logout/"):
                continue  # the admin's own sign-in page: open to all, like accounts/login/
            if route.pattern.startswith("admin/"):
                expected_others = all(r == "login" for r in row[:-1])
                if not expected_others or row[-1] not in ("ok", "redirect", "403", "404"):
                    mismatches.append(f"{key}: {line}")
                continue
            if key not in EXPECT:
                missing.append(f'    "{key}": "{line}",')
            elif EXPECT[key] != line:
                mismatches.append(f"{key}\n    expected {EXPECT[key]}\n    got      {line}")
    REPORT["authorization matrix"]["routes x methods x roles"] = checked
    stale = sorted(set(EXPECT) - seen)
    assert not stale, "table entries naming no route: " + ", ".join(stale)
    assert not missing, "routes missing from the table:\n" + "\n".join(missing)
    assert not mismatches, "\n".join(mismatches)
    assert not leaks, "\n".join(leaks)


def test_websocket_routes_are_all_declared():
    declared = {"ws/rooms/<int:room_id>/", "ws/notifications/"}  # tests/chat, tests/notifications
    assert set(websocket_routes()) == declared


# --- the filed defect: mediators could export the district's list --------------------------------
@pytest.mark.parametrize("url", ["/api/v1/disputes/export/", "/api/v1/queue/export/"])
def test_mediators_cannot_export(world, url):
    for role in ("mediator", "other_mediator"):
        response = world.client(role).get(url, {"format": "csv"})
        assert response.status_code == 403, role
        assert response.json()["code"] == "permission_denied"
        assert MARKERS["title"].encode() not in response.content
    assert world.client("grid_worker").get(url, {"format": "csv"}).status_code == 200


def test_the_mediators_queue_page_offers_no_export(world):
    html = world.client("mediator").get("/disputes/queue/").content.decode()
    assert "/export/" not in html
    assert "/api/v1/queue/export/" in world.client("grid_worker").get("/disputes/queue/").content.decode()


# --- mass assignment: protected fields in any payload are ignored or refused ----------------------
PROTECTED = {
    "state": "settled", "grid": 999, "grid_id": 999, "mediator": 1, "mediator_id": 1, "level": 3,
    "seq": 99, "is_staff": True, "is_superuser": True, "roles": [{"role": "case_handler", "region": 1}],
    "reference": "TJ-0000-999999", "claimant_phone": "13900000000", "served_at": None, "id": 1,
}  # fmt: skip


def test_protected_fields_in_write_payloads_change_nothing(world):
    from accounts.models import StaffRole, User
    from disputes.models import Dispute
    from mediation.models import Message

    def state():
        return (
            Dispute.objects.filter(pk=world.dispute.pk).values().get(),
            list(User.objects.values_list("pk", "is_staff", "is_superuser", "phone").order_by("pk")),
            list(StaffRole.objects.values_list("user_id", "role", "region_id").order_by("pk")),
        )

    before = state()
    d, room = world.dispute.pk, world.rooms["joint"].pk
    writes = [
        ("claimant", "post", f"/api/v1/disputes/{d}/transitions/decline_settlement/", {"reason": "不同意"}),
        ("claimant", "post", f"/api/v1/rooms/{room}/messages/", {"body": "你好", "client_msg_id": "ma-1"}),
        ("claimant", "put", "/api/v1/notifications/preferences/", {"sms": True, "email": False}),
        ("mediator", "put", "/api/v1/mediators/me/availability/", {}),
        ("claimant", "post", f"/api/v1/disputes/{d}/recusals/", {"reason": "亲属关系"}),
    ]
    for role, method, url, payload in writes:
        response = request_rolled_back(
            world.client(role), method, url, data={**PROTECTED, **payload}, content_type="application/json"
        )
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code < 300:
            body = response.body.decode()
            assert '"is_superuser": true' not in body and "TJ-0000-999999" not in body
    assert state() == before
    # Each write above, when accepted, kept the protected fields out: check one for real.
    response = world.client("claimant").post(
        f"/api/v1/rooms/{room}/messages/", {**PROTECTED, "body": "真的", "client_msg_id": "ma-2"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201
    message = Message.objects.get(client_msg_id="ma-2")
    assert message.seq != 99 and message.author_id == world.users["claimant"].pk
    assert state()[0]["state"] == "awaiting_signatures"


def test_registering_with_staff_fields_makes_an_ordinary_resident(world, outbox):
    from accounts.models import StaffRole, User

    response = world.client("anonymous").post(
        "/api/v1/auth/register/",
        {**PROTECTED, "username": "sneaky", "password": "a-long-pass-9", "full_name": "𠀀𪚥", "phone": "13912345678"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code in (201, 400), response.content
    user = User.objects.filter(username="sneaky").first()
    if user is not None:
        assert not user.is_staff and not user.is_superuser
        assert not StaffRole.objects.filter(user=user).exists()
        assert user.full_name == "𠀀𪚥"
