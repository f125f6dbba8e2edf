"""A password reset through the verified phone ends every sign-in of the account, chat sockets
included: cookie and ticket sockets in every room close, and neither credential opens a new
one (docs/security.md, "after a reset")."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from rest_framework.test import APIClient

from .conftest import close_code, joined, open_socket, session_cookie, token_ticket

pytestmark = pytest.mark.django_db(transaction=True)

NEW = "a-new-Passw0rd-for-Zhang"


def reset_through_the_api(user, outbox) -> None:
    # Outside a test transaction each request commits, so after-commit effects run by themselves.
    assert (
        APIClient().post("/api/v1/auth/password-reset/", {"login": user.username}, format="json").status_code
        == 202
    )
    body = {"login": user.username, "code": outbox.code(user.phone), "new_password": NEW}
    assert APIClient().post("/api/v1/auth/password-reset/confirm/", body, format="json").status_code == 200


async def test_a_reset_closes_the_users_chat_sockets_in_every_room(rooms, claimant, respondent, outbox):
    cookie = await sync_to_async(session_cookie)(claimant)
    ticket = await sync_to_async(token_ticket)(claimant)
    joint = await joined(rooms["joint"].pk, None, cookie=cookie)
    caucus = await joined(rooms["claimant"].pk, None, ticket=ticket, origin=None)
    theirs = await joined(rooms["joint"].pk, respondent)

    await sync_to_async(reset_through_the_api)(claimant, outbox)
    assert await close_code(joint, timeout=3) == 4401
    assert await close_code(caucus, timeout=3) == 4401

    again = await open_socket(rooms["joint"].pk, cookie=cookie)
    assert await close_code(again, timeout=3) == 4401
    await theirs.disconnect()  # the other party's socket was never touched
    await sync_to_async(connections.close_all)()
