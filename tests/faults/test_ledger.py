"""The checker itself: it must see a lost, a duplicated and a reordered operation, and 5xx."""

from __future__ import annotations

from collections import Counter

import pytest

from .ledger import Ledger


def message(seq: int, author: int, cid: str) -> dict:
    return {"seq": seq, "author": {"id": author}, "client_msg_id": cid}


def test_an_acknowledged_message_missing_or_moved_is_counted():
    ledger = Ledger("chat")
    ledger.ack_chat(1, 7, "a", 1)
    ledger.ack_chat(1, 7, "b", 2)
    ledger.ack_chat(1, 7, "c", 3)
    stored = [(1, 1, 7, "a"), (1, 2, 7, "c")]  # b lost, c stored under another seq
    view = {1: message(1, 7, "a")}  # the member never got seq 2
    ledger.check_chat(stored, {"member": (1, view)})
    assert (ledger.checked, ledger.lost, ledger.out_of_order) == (3, 2, 1)
    with pytest.raises(AssertionError):
        ledger.assert_clean()


def test_a_transition_answered_200_must_be_on_the_timeline_once():
    ledger = Ledger("transitions")
    ledger.answer((1, "accept", "filed"), 200)
    ledger.answer((2, "accept", "filed"), 503)
    ledger.answer((2, "accept", "filed"), 500)
    ledger.answer((3, "accept", "filed"), 200)
    ledger.check_timeline([(1, "accept", "filed"), (2, "accept", "filed"), (2, "accept", "filed")])
    assert (ledger.checked, ledger.lost, ledger.duplicated, ledger.server_errors) == (2, 1, 1, 1)


def test_a_row_unsent_or_sent_under_two_keys_is_counted():
    ledger = Ledger("outbox")
    rows = [(1, "sms", "sent", "k-n1"), (2, "sms", "pending", "k-n2"), (3, "email", "sent", "k-n3")]
    files = {"sms": ["k-n1", "other-n1"], "email": ["k-n3"]}
    ledger.check_outbox(rows, files, ["k-n1", "other-n1", "k-n3", "k-n3"])
    assert (ledger.checked, ledger.lost, ledger.duplicated) == (3, 1, 2)
    assert "resends under the same key: 1" in ledger.line()


def test_a_document_received_twice_is_a_duplicate():
    ledger = Ledger("documents")
    ledger.check_documents({1: 1, 2: 0, 3: 2}, Counter({1: 1, 3: 2}))
    assert (ledger.checked, ledger.lost, ledger.duplicated) == (3, 1, 1)
