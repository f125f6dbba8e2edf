"""A whole case driven only through the documented API (docs/api.md), as an outside client would.

Two residents register, read their codes from the SMS outbox, verify and sign in; one files,
intake accepts, the respondent agrees, a mediator is assigned and fails, the street takes the
case and concludes it. Along the way people try what they may not (403/404), what the state
does not allow (409) and what is not theirs to see (404): every such request changes nothing.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests import samples

# Committed transactions, so on-commit work (the SMS) happens as in production. An earlier
# transactional test's flush may have removed the migrated categories: put them back first.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("categories")]

API = "/api/v1"


class Person:
    """A client holding the token it got from /auth/token/, like any app would."""

    def __init__(self, name: str):
        self.name = name
        self.http = APIClient()

    def sign_in(self, username: str, password: str) -> None:
        r = self.http.post(f"{API}/auth/token/", {"username": username, "password": password}, format="json")
        assert r.status_code == 200, r.json()
        self.http.credentials(HTTP_AUTHORIZATION=f"Token {r.json()['token']}")

    def get(self, path: str):
        return self.http.get(f"{API}{path}")

    def post(self, path: str, body=None, **kwargs):
        return self.http.post(
            f"{API}{path}", body if body is not None else {}, **({"format": "json"} | kwargs)
        )


def texted_code(phone: str) -> str:
    """The latest code in the SMS outbox for this phone (settings.OUTBOX_DIR/sms/*.json)."""
    messages = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((Path(settings.OUTBOX_DIR) / "sms").glob("*.json"))
    ]
    bodies = [m["body"] for m in messages if m["to"] == phone]
    assert bodies, f"no SMS to {phone}"
    return next(word for word in _digits(bodies[-1]) if len(word) == 6)


def _digits(text: str) -> list[str]:
    import re

    return re.findall(r"\d+", text)


def register_and_verify(person: Person, username: str, full_name: str, phone: str) -> dict:
    password = f"{username}-Xihu-lake-2026"
    r = person.http.post(
        f"{API}/auth/register/",
        {"username": username, "password": password, "full_name": full_name, "phone": phone},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["phone_verified"] is False
    person.sign_in(username, password)
    code = texted_code(phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert person.post("/auth/verify-phone/", {"phone": phone, "code": wrong}).status_code == 400
    r = person.post("/auth/verify-phone/", {"phone": phone, "code": code})
    assert r.status_code == 200, r.json()
    again = person.post("/auth/verify-phone/", {"phone": phone, "code": code})
    assert again.status_code == 400  # a code works once
    me = person.get("/auth/me/").json()
    assert me["phone_verified"] is True and me["phone"] == f"{phone[:3]}****{phone[-4:]}"
    return me


def staff_member(user) -> Person:
    person = Person(user.username)
    person.sign_in(user.username, "tiaojie-test-pw")
    return person


def test_a_dispute_from_registration_to_conclusion_with_every_wrong_request_refused(
    regions, grid_worker, other_grid_worker, mediator, other_mediator, street_handler, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OUTBOX_DIR = tmp_path / "outbox"
    settings.TIAOJIE_AUTO_ASSIGN = False  # the grid worker chooses the mediator in this story
    zhang, li, wang = Person("张三"), Person("李四"), Person("王五")
    gw, gw_far, med, med_other, handler = (
        staff_member(u) for u in (grid_worker, other_grid_worker, mediator, other_mediator, street_handler)
    )

    # What a filing form needs is public.
    grids = Person("anonymous").get("/regions/?kind=grid").json()
    grid = next(g for g in grids if g["name"] == "宝石一网格")
    assert {"slug": "neighbourhood", "name": "邻里纠纷"} in Person("anonymous").get("/categories/").json()

    # Registration; an unverified resident may sign in but not file.
    r = zhang.http.post(
        f"{API}/auth/register/",
        {
            "username": "zhangsan",
            "password": "zhangsan-Xihu-lake-2026",
            "full_name": "张三",
            "phone": "13911110001",
        },
        format="json",
    )
    assert r.status_code == 201
    zhang.sign_in("zhangsan", "zhangsan-Xihu-lake-2026")
    filing = {
        "title": "楼上漏水", "description": "楼上卫生间漏水，我家天花板发霉。", "category": "neighbourhood",
        "grid": grid["id"], "respondent": {"name": "李四", "phone": "13911110002"}, "amount_claimed": "2000.00",
    }  # fmt: skip
    refused = zhang.post("/disputes/", filing)
    assert (refused.status_code, refused.json()["code"]) == (403, "phone_unverified")
    code = texted_code("13911110001")
    assert zhang.post("/auth/verify-phone/", {"phone": "13911110001", "code": code}).status_code == 200
    register_and_verify(li, "lisi", "李四", "13911110002")
    register_and_verify(wang, "wangwu", "王五", "13911110003")

    # Filing; a double submit is the same dispute.
    r = zhang.post("/disputes/", filing)
    assert r.status_code == 201, r.json()
    dispute = r.json()
    assert dispute["state"] == "filed" and dispute["reference"].startswith("TJ-")
    d = f"/disputes/{dispute['id']}/"
    assert zhang.post("/disputes/", filing).json()["id"] == dispute["id"]
    assert (
        zhang.post("/disputes/", {**filing, "respondent": {"name": "我", "phone": "13911110001"}}).status_code
        == 400
    )

    def timeline() -> list[str]:
        return [e["transition"] for e in gw.get(f"{d}events/").json()]

    def refused(person: Person, path: str, status: int, body=None, **kwargs):
        """A request that must fail with `status` and leave the dispute exactly as it was."""
        before, events = gw.get(d).json(), timeline()
        r = person.post(path, body, **kwargs)
        assert r.status_code == status, (person.name, path, r.status_code, r.json())
        assert set(r.json()) <= {"detail", "code", "errors"} and r.json()["code"]
        assert gw.get(d).json() == before
        assert timeline() == events
        return r

    # Not served yet: the respondent, other people and other grids see nothing.
    for person in (li, wang, gw_far, med):
        assert person.get(d).status_code == 404
        assert person.get(f"{d}events/").status_code == 404
        assert dispute["id"] not in [x["id"] for x in person.get("/disputes/").json()["results"]]
    refused(li, f"{d}transitions/respondent_accept/", 404)
    refused(wang, f"{d}transitions/withdraw/", 404)
    refused(gw_far, f"{d}transitions/accept/", 404)
    refused(zhang, f"{d}transitions/accept/", 403)
    refused(zhang, f"{d}transitions/respondent_accept/", 403)
    refused(zhang, f"{d}transitions/settle_by_myself/", 404)
    refused(handler, f"{d}transitions/take_case/", 409)  # a handler's action, but nothing is escalated

    # Evidence: by content, and only for those who may see the dispute.
    r = zhang.post(
        f"{d}evidence/", {"file": samples.upload("天花板.png", samples.png(4, 4))}, format="multipart"
    )
    assert r.status_code == 201
    download = r.json()["download_url"]
    refused(
        zhang, f"{d}evidence/", 415, {"file": samples.upload("伪装.png", "文字".encode())}, format="multipart"
    )
    refused(wang, f"{d}evidence/", 404, {"file": samples.upload("a.png", samples.png())}, format="multipart")
    assert wang.http.get(download).status_code == 404
    assert gw.http.get(download).status_code == 200

    # Intake accepts: now the respondent is served and sees it, with the claimant's phone masked.
    assert gw.post(f"{d}transitions/accept/", {"note": "材料齐全"}).json()["state"] == "awaiting_response"
    refused(gw, f"{d}transitions/accept/", 409)
    seen_by_li = li.get(d).json()
    assert seen_by_li["claimant"]["phone"] == "139****0001"
    assert seen_by_li["available_transitions"] == ["respondent_accept", "respondent_decline"]
    assert li.http.get(download).status_code == 200
    assert [x["id"] for x in li.get("/queue/").json()["results"]] == [dispute["id"]]
    refused(wang, f"{d}transitions/respondent_accept/", 404)
    refused(zhang, f"{d}transitions/respondent_decline/", 403, {"reason": "我替他拒绝"})
    assert li.post(f"{d}transitions/respondent_accept/").json()["state"] == "awaiting_mediator"
    refused(li, f"{d}transitions/respondent_accept/", 409)

    # Mediation: assigned, accepted, failed.
    refused(li, f"{d}transitions/assign_mediator/", 403, {"mediator": mediator.pk})
    refused(gw, f"{d}transitions/assign_mediator/", 400, {"mediator": li.get("/auth/me/").json()["id"]})
    r = gw.post(f"{d}transitions/assign_mediator/", {"mediator": mediator.pk})
    assert r.status_code == 200 and r.json()["mediator"]["id"] == mediator.pk
    assert med_other.get(d).status_code == 404
    refused(med_other, f"{d}transitions/mediator_accept/", 404)
    # Staff see contacts masked too; the mediator reveals the phone with a reason.
    assert med.get(d).json()["respondent"]["phone"] == "139****0002"
    reveal = {"party": "respondent", "field": "phone", "reason": {"code": "contact_party"}}
    assert med.post(f"{d}reveal/", reveal).json()["value"] == "13911110002"
    assert med.post(f"{d}transitions/mediator_accept/").json()["state"] == "in_mediation"
    refused(med, f"{d}transitions/mediator_accept/", 409)
    refused(med, f"{d}transitions/conclude/", 403, {"outcome": "dismissed"})
    refused(zhang, f"{d}transitions/fail_mediation/", 403, {"reason": "我不满意"})
    refused(med, f"{d}transitions/fail_mediation/", 400, {"reason": ""})
    assert (
        med.post(f"{d}transitions/fail_mediation/", {"reason": "双方分歧较大"}).json()["state"] == "escalated"
    )
    assert med.get(d).status_code == 404  # escalation ends the mediator's part

    # The street takes the case and concludes it.
    refused(gw, f"{d}transitions/take_case/", 403)
    refused(zhang, f"{d}transitions/withdraw/", 409)  # not withdrawable once escalated
    assert handler.post(f"{d}transitions/take_case/").json()["state"] == "case_handling"
    refused(handler, f"{d}transitions/take_case/", 409)
    refused(handler, f"{d}transitions/conclude/", 400, {"outcome": "fulfilled"})
    r = handler.post(
        f"{d}transitions/conclude/",
        {"outcome": "referred_court", "referred_to": "西湖区人民法院", "note": "建议向法院起诉"},
    )
    assert r.status_code == 200 and r.json()["state"] == "closed"
    refused(handler, f"{d}transitions/conclude/", 409, {"outcome": "dismissed"})
    refused(zhang, f"{d}transitions/withdraw/", 409)
    refused(
        zhang, f"{d}evidence/", 409, {"file": samples.upload("晚了.png", samples.png())}, format="multipart"
    )

    # The record, as the claimant sees it.
    events = zhang.get(f"{d}events/").json()
    assert [(e["transition"], e["to_state"]) for e in events] == [
        ("file", "filed"),
        ("accept", "awaiting_response"),
        ("respondent_accept", "awaiting_mediator"),
        ("assign_mediator", "mediator_assigned"),
        ("mediator_accept", "in_mediation"),
        ("fail_mediation", "escalated"),
        ("take_case", "case_handling"),
        ("conclude", "closed"),
        ("referral_sent", "closed"),
    ]
    assert [e["actor"]["role"] for e in events] == [
        "claimant", "grid_worker", "respondent", "grid_worker", "mediator", "mediator", "case_handler",
        "case_handler", "case_handler",
    ]  # fmt: skip
    final = zhang.get(d).json()
    assert (final["state"], final["outcome"], final["available_transitions"]) == (
        "closed",
        "referred_court",
        [],
    )
    assert final["respondent"]["phone"] == "139****0002"
    assert handler.get("/queue/").json()["results"] == []
    assert [x["id"] for x in zhang.get("/disputes/?state=closed").json()["results"]] == [dispute["id"]]
