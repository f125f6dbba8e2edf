"""Settlements with several parties: every taking-part party signs (itself, as an
organisation's legal representative, through an agent or a guardian), then the mediator and
the committee seal; the agreement lists every signer; judicial confirmation needs every party
(docs/features/parties.md, "Settlements, signatures and judicial confirmation")."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from disputes.models import Dispute, DisputeParty, Representative
from disputes.parties import services as party_services
from mediation.models import JudicialApplication, SettlementSignature
from mediation.settlements import agreements, judicial, pdf, signing
from tests import factories, samples
from tests.settlement.test_signed_pdf import blocks, nssdb, pdfsig  # noqa: F401 (nssdb: a fixture)

pytestmark = pytest.mark.django_db

USCC = "91350100M000100Y43"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PHONE_CODE_MIN_INTERVAL = timedelta(0)


@dataclass
class Cast:
    """A dispute awaiting signatures and who signs for which party."""

    dispute: Dispute
    # (user, party, expected words in the agreement) for every taking-part party
    signers: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def url(dispute, tail):
    return f"/api/v1/disputes/{dispute.pk}/{tail}"


def add_person(dispute, grid_worker, side, name):
    user = factories.UserFactory(full_name=name)
    party = party_services.add_party(dispute, by=grid_worker, side=side, name=name, phone=user.phone)
    if side == "respondent":
        DisputeParty.objects.filter(pk=party.pk).update(answer="accepted", answered_at=timezone.now())
    return user, party


def add_company(dispute, grid_worker, side, name, contact):
    user = factories.UserFactory(full_name=contact)
    party = party_services.add_party(
        dispute, by=grid_worker, side=side, name=name, phone=user.phone, kind="organisation",
        org_type="property_management", uscc=USCC, contact_name=contact, contact_title="总经理",
    )  # fmt: skip
    if side == "respondent":
        DisputeParty.objects.filter(pk=party.pk).update(answer="accepted", answered_at=timezone.now())
    return user, party


def add_rep(party, grid_worker, kind, name, *, approve=True, may_sign=True):
    user = factories.UserFactory(full_name=name)
    rep = party_services.add_representative(
        party, by=grid_worker, kind=kind, relation="lawyer" if kind == "agent" else "parent", name=name,
        phone=user.phone, authorisation=samples.png(), filename="authorisation.png", may_sign=may_sign,
    )  # fmt: skip
    if approve:
        party_services.check_representative(rep, by=grid_worker, approve=True)
    return user


def lead(dispute, side):
    return dispute.parties.get(side=side, position=0)


def one_by_one(dispute, advance, grid_worker, claimant, respondent):
    """1×1: an agent signs for the claimant, a guardian for the (minor) respondent."""
    dispute = advance(dispute, "awaiting_signatures")
    c, r = lead(dispute, "claimant"), lead(dispute, "respondent")
    agent = add_rep(c, grid_worker, "agent", "王五")
    guardian = add_rep(r, grid_worker, "guardian", "赵六")
    return Cast(dispute, [(agent, c, "代理人王五（代理张三）"), (guardian, r, "监护人赵六（监护李四）")])


def one_by_three(dispute, advance, grid_worker, claimant, respondent):
    """1×3: the claimant through an agent; the lead respondent itself; a property company
    through its legal representative; a minor through a guardian; a fourth respondent declined."""
    dispute = advance(dispute, "awaiting_signatures")
    c, r = lead(dispute, "claimant"), lead(dispute, "respondent")
    agent = add_rep(c, grid_worker, "agent", "王五")
    contact, company = add_company(dispute, grid_worker, "respondent", "某物业公司", "刘经理")
    _minor_user, minor = add_person(dispute, grid_worker, "respondent", "赵小明")
    guardian = add_rep(minor, grid_worker, "guardian", "赵六")
    declined_user, declined = add_person(dispute, grid_worker, "respondent", "钱不来")
    DisputeParty.objects.filter(pk=declined.pk).update(answer="declined")
    return Cast(
        dispute,
        [
            (agent, c, "代理人王五（代理张三）"),
            (respondent, r, "被申请人李四"),
            (contact, company, "被申请人某物业公司法定代表人刘经理"),
            (guardian, minor, "监护人赵六（监护赵小明）"),
        ],
        {"declined": declined_user},
    )


def three_by_one(dispute, advance, grid_worker, claimant, respondent):
    """3×1, in English: the lead claimant itself, a second claimant through an agent, a
    company claimant through its legal representative; the respondent through a guardian."""
    Dispute.objects.filter(pk=dispute.pk).update(language="en")
    dispute = advance(Dispute.objects.get(pk=dispute.pk), "awaiting_signatures")
    c, r = lead(dispute, "claimant"), lead(dispute, "respondent")
    _second_user, second = add_person(dispute, grid_worker, "claimant", "孙二")
    agent = add_rep(second, grid_worker, "agent", "王五")
    contact, company = add_company(dispute, grid_worker, "claimant", "Acme Property Ltd", "刘经理")
    guardian = add_rep(r, grid_worker, "guardian", "赵六")
    return Cast(
        dispute,
        [
            (claimant, c, "Claimant张三"),
            (agent, second, "Agent王五(agentfor孙二)"),
            (contact, company, "ClaimantAcmePropertyLtdLegalrepresentative刘经理"),
            (guardian, r, "Guardian赵六(guardianof李四)"),
        ],
    )


def sign(api, user, dispute, party=None, code=None):
    settlement = agreements.current(dispute)
    code = code or factories.sign_code(user, scope=f"settlement:{settlement.pk}")
    body = {"agree": True, "code": code}
    if party is not None:
        body["party"] = party.pk
    return api(user).post(url(dispute, "transitions/sign/"), body, format="json")


def pdftotext(content: bytes, tmp_path) -> str:
    path = tmp_path / "agreement.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode())


@pytest.mark.parametrize("build", [one_by_one, one_by_three, three_by_one])
def test_every_party_signs_then_the_mediator_seals(
    build,
    dispute,
    advance,
    grid_worker,
    claimant,
    respondent,
    mediator,
    api,
    tmp_path,
    nssdb,  # noqa: F811
):
    cast = build(dispute, advance, grid_worker, claimant, respondent)
    d = cast.dispute
    # The mediator waits for every party.
    r = sign(api, mediator, d)
    assert r.status_code == 409, r.json()
    for user, party, _words in reversed(cast.signers):  # any order
        r = sign(api, user, d, party)
        assert r.status_code == 200, r.json()
        assert Dispute.objects.get(pk=d.pk).state == "awaiting_signatures"
    r = sign(api, mediator, d)
    assert r.status_code == 200, r.json()
    d.refresh_from_db()
    assert d.state == "settled"

    settlement = agreements.current(d)
    rows = list(settlement.signatures.all())
    n = len(cast.signers)
    assert [s.role for s in rows[n:]] == ["mediator", "committee"]
    by_party = {s.party_id: s for s in rows[:n]}
    assert set(by_party) == {p.pk for _u, p, _w in cast.signers}
    for user, party, _words in cast.signers:
        s = by_party[party.pk]
        assert (s.signer_id, s.role, s.signer_name) == (user.pk, party.side, user.full_name)
        kinds = {r.kind for r in party.representatives.all() if r.phone_index == user.phone_index}
        expected = kinds.pop() if kinds else ("legal_representative" if party.is_organisation else "party")
        assert s.capacity == expected

    content = settlement.pdf.read()
    text = pdftotext(content, tmp_path)
    for _user, _party, words in cast.signers:
        assert words in text, (words, text)
    # pdfsig: one signature per taking-part party, the mediator's and the seal, all valid.
    *sigs, _archive = blocks(pdfsig(content, tmp_path, nssdb))
    assert len(sigs) == n + 2
    for block in sigs:
        assert "Signature Validation: Signature is Valid." in block, block
        assert "Certificate Validation: Certificate is Trusted." in block, block
    checked = signing.verify(content)
    assert checked["valid"] and len(checked["signatures"]) == n + 2
    assert all(s["bottom_line"] for s in checked["signatures"])

    data = api(mediator).get(url(d, "settlement/")).json()
    assert data["awaiting"] == [] and data["awaiting_parties"] == []
    assert {s["capacity"] for s in data["signatures"][:n]} == {
        by_party[p.pk].capacity for _u, p, _w in cast.signers
    }


def test_the_two_party_agreement_keeps_its_layout(dispute, advance):
    """Without another party, organisation or representative, nothing changes in the document."""
    settlement = agreements.current(advance(dispute, "awaiting_signatures"))
    from mediation.settlements import labels, roster

    with labels.in_language("zh-hans"):
        assert roster.roster(settlement.dispute)["many"] is False


def test_who_may_not_sign(dispute, advance, grid_worker, claimant, respondent, mediator, api, regions):
    cast = one_by_three(dispute, advance, grid_worker, claimant, respondent)
    d = cast.dispute
    c, r = lead(d, "claimant"), lead(d, "respondent")
    # An agent whose authorisation is still unchecked does not even see the dispute.
    pending = add_rep(r, grid_worker, "agent", "周未审", approve=False)
    assert sign(api, pending, d).status_code == 404
    # An approved agent who may not sign: the dispute is theirs to see, signing is refused.
    no_sign = add_rep(c, grid_worker, "agent", "吴不签", may_sign=False)
    assert sign(api, no_sign, d).status_code == 403
    # A respondent who declined mediation.
    assert sign(api, cast.extra["declined"], d).status_code == 403
    # A party of another dispute.
    elsewhere = factories.UserFactory()
    factories.file_dispute(elsewhere, regions["grid1"], factories.UserFactory().phone)
    assert sign(api, elsewhere, d).status_code == 404
    # The agent of the claimant may not name a party they do not act for.
    agent, _party, _w = cast.signers[0]
    assert sign(api, agent, d, party=r).status_code == 403
    # Twice for the same party.
    assert sign(api, agent, d, party=c).status_code == 200
    assert sign(api, agent, d, party=c).status_code == 409
    # The claimant itself: its agent already signed for it.
    assert sign(api, claimant, d).status_code == 409
    assert SettlementSignature.objects.filter(settlement__dispute=d).count() == 1


def test_one_person_for_two_parties_signs_once_for_each(
    dispute, advance, grid_worker, claimant, respondent, mediator, api
):
    d = advance(dispute, "awaiting_signatures")
    _u2, second = add_person(d, grid_worker, "respondent", "孙二")
    r = lead(d, "respondent")
    lawyer = factories.UserFactory(full_name="王律师")
    for party in (r, second):
        rep = party_services.add_representative(
            party, by=grid_worker, kind="agent", relation="lawyer", name="王律师", phone=lawyer.phone,
            authorisation=samples.png(), filename="a.png",
        )  # fmt: skip
        party_services.check_representative(rep, by=grid_worker, approve=True)
    # sign-code/ takes the party too.
    assert (
        api(lawyer).post(url(d, "settlement/sign-code/"), {"party": second.pk}, format="json").status_code
        == 200
    )
    r2 = sign(api, lawyer, d, party=second)
    assert r2.status_code == 200, r2.json()
    assert sign(api, lawyer, d).status_code == 200  # without `party`: the one still to sign (r)
    assert sign(api, lawyer, d).status_code == 409
    assert sign(api, claimant, d).status_code == 200
    assert sign(api, mediator, d).status_code == 200
    d.refresh_from_db()
    assert d.state == "settled"
    rows = SettlementSignature.objects.filter(settlement__dispute=d, role="respondent")
    assert sorted(s.party_id for s in rows) == sorted([r.pk, second.pk])
    assert {s.capacity for s in rows} == {"agent"}


def test_any_party_or_its_signing_agent_declines(dispute, advance, grid_worker, claimant, respondent, api):
    cast = one_by_three(dispute, advance, grid_worker, claimant, respondent)
    d = cast.dispute
    body = {"reason": "条款不公平"}
    no_sign = add_rep(lead(d, "claimant"), grid_worker, "agent", "吴不签", may_sign=False)
    assert (
        api(no_sign).post(url(d, "transitions/decline_settlement/"), body, format="json").status_code == 403
    )
    declined = cast.extra["declined"]
    assert (
        api(declined).post(url(d, "transitions/decline_settlement/"), body, format="json").status_code == 403
    )
    guardian, _minor, _w = cast.signers[3]
    r = api(guardian).post(url(d, "transitions/decline_settlement/"), body, format="json")
    assert r.status_code == 200, r.json()
    d.refresh_from_db()
    assert d.state == "in_mediation"


def test_judicial_confirmation_needs_every_party(
    dispute, advance, grid_worker, claimant, respondent, mediator, api, tmp_path
):
    cast = one_by_three(dispute, advance, grid_worker, claimant, respondent)
    d = cast.dispute
    for user, party, _w in cast.signers:
        assert sign(api, user, d, party).status_code == 200
    assert sign(api, mediator, d).status_code == 200
    d.refresh_from_db()
    agent, c, _w = cast.signers[0]
    application = judicial.start(d, agent)
    text = pdftotext(pdf.judicial_pdf(application), tmp_path)
    for name in (
        "张三",
        "李四",
        "某物业公司",
        USCC,
        "刘经理",
        "赵小明",
        "代理人王五（代理张三）",
        "监护人赵六（监护赵小明）",
    ):
        assert name in text, name
    assert "钱不来" not in text  # declined: not an applicant

    def co_sign(user, party):
        code = factories.sign_code(user, scope=f"judicial:{application.pk}")
        return judicial.sign(d, user, code=code, party=party.pk)

    # Someone else may not sign before the one who started it.
    with pytest.raises(Exception) as refused:
        co_sign(respondent, lead(d, "respondent"))
    assert getattr(refused.value, "status", None) == 409
    for user, party, _w in cast.signers[:-1]:
        co_sign(user, party)
        assert JudicialApplication.objects.get(pk=application.pk).status == "awaiting_signatures"
    user, party, _w = cast.signers[-1]
    co_sign(user, party)
    application.refresh_from_db()
    assert application.status == "ready"
    assert application.signatures.count() == len(cast.signers)
    assert {s.capacity for s in application.signatures.all()} == {
        "agent",
        "party",
        "legal_representative",
        "guardian",
    }
    assert signing.verify(application.pdf.read())["signatures"]  # readable, signed
    assert Representative.objects.filter(party__dispute=d).exists()
