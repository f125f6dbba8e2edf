"""Whose turn it is to sign: the parties in any order, then the mediator (one rule)."""

import pytest

from mediation.settlements import agreements


@pytest.mark.parametrize(
    ("signed", "next_"),
    [
        (set(), ["claimant", "respondent"]),
        ({"respondent"}, ["claimant"]),
        ({"claimant"}, ["respondent"]),
        ({"claimant", "respondent"}, ["mediator"]),
        ({"claimant", "respondent", "mediator", "committee"}, []),
    ],
)
def test_the_parties_sign_in_any_order_then_the_mediator(signed, next_):
    assert agreements.next_signers(signed) == next_
