"""Only transitions write a dispute's state, and clients cannot set fields they do not own."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

from disputes.models import Dispute
from tests import factories

ROOT = Path(settings.BASE_DIR)
# bench/ fabricates a million rows in bulk to time queries; it is not part of the product.
SKIP_DIRS = {".venv", "venv", "tests", "migrations", "bench", "var", "node_modules", ".git", "__pycache__"}
WRITERS = {"create", "bulk_create", "get_or_create", "update_or_create", "update", "bulk_update", "objects"}
RAW_SQL = re.compile(r"\bupdate\s+\"?\w*dispute\w*\"?\s+set\b[^;]*\bstate\b", re.IGNORECASE)


def state_writes(source: str) -> list[str]:
    """Every place in this source that writes a `state` field other than through a transition."""
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        # x.state = ..., x.state += ..., (a, x.state) = ...
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Attribute) and sub.attr == "state":
                        found.append(f"{line}: assignment to .state")
                    if (
                        isinstance(sub, ast.Subscript)
                        and isinstance(sub.slice, ast.Constant)
                        and sub.slice.value == "state"
                        and isinstance(sub.value, ast.Attribute)
                        and sub.value.attr == "__dict__"
                    ):
                        found.append(f"{line}: __dict__['state'] write")
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            # setattr(x, "state", ...)
            if name == "setattr" and len(node.args) >= 2:
                if isinstance(node.args[1], ast.Constant) and node.args[1].value == "state":
                    found.append(f"{line}: setattr(..., 'state', ...)")
            if (
                name in WRITERS
                or name == "Dispute"
                or (name and name[0].isupper() and name.endswith("Dispute"))
            ):
                # .update(state=...), .create(state=...), Dispute(state=...)
                if any(k.arg == "state" for k in node.keywords):
                    found.append(f"{line}: {name}(state=...)")
                # .update(**{"state": ...}), defaults={"state": ...}
                for value in [k.value for k in node.keywords] + list(node.args):
                    if isinstance(value, ast.Dict) and any(
                        isinstance(key, ast.Constant) and key.value == "state" for key in value.keys
                    ):
                        found.append(f"{line}: {name}({{'state': ...}})")
                # .bulk_update(objs, ["state"])
                if name == "bulk_update":
                    for value in node.args[1:] + [k.value for k in node.keywords if k.arg == "fields"]:
                        if isinstance(value, ast.List | ast.Tuple) and any(
                            isinstance(e, ast.Constant) and e.value == "state" for e in value.elts
                        ):
                            found.append(f"{line}: bulk_update(..., ['state'])")
            # save(update_fields=["state"]) outside a transition service
            if name == "save":
                for k in node.keywords:
                    if k.arg == "update_fields" and isinstance(k.value, ast.List | ast.Tuple):
                        if any(isinstance(e, ast.Constant) and e.value == "state" for e in k.value.elts):
                            found.append(f"{line}: save(update_fields=['state'])")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and RAW_SQL.search(node.value):
            found.append(f"{line}: raw SQL sets state")
    return found


def project_files() -> list[Path]:
    return [path for path in ROOT.rglob("*.py") if not (set(path.relative_to(ROOT).parts[:-1]) & SKIP_DIRS)]


@pytest.mark.parametrize(
    "source",
    [
        "d.state = 'closed'",
        "dispute.state: str = 'closed'",
        "a, d.state = 1, 'closed'",
        "Dispute.objects.filter(pk=1).update(state='closed')",
        "Dispute.objects.filter(pk=1).update(**{'state': 'closed'})",
        "Dispute.objects.create(title='x', state='settled')",
        "Dispute.objects.bulk_create([Dispute(state='closed')])",
        "Dispute.objects.update_or_create(pk=1, defaults={'state': 'closed'})",
        "Dispute.objects.bulk_update(rows, ['state', 'due_at'])",
        "Dispute(title='x', state='closed').save()",
        "setattr(dispute, 'state', 'closed')",
        "dispute.__dict__['state'] = 'closed'",
        "dispute.save(update_fields=['state'])",
        "cursor.execute('UPDATE disputes_dispute SET state = %s WHERE id = %s', ['closed', 1])",
    ],
)
def test_the_scanner_catches_every_way_of_writing_the_state(source):
    assert state_writes(source), source


@pytest.mark.parametrize(
    "source",
    [
        "Dispute.objects.filter(state='filed')",
        "Q(state=S.ESCALATED)",
        "qs.exclude(state__in=['closed'])",
        "state = FSMField(default='filed', protected=True)",
        "def f(state=None): pass",
        "from_state = dispute.state",
        "if dispute.state == 'filed': pass",
        "serializers.MultipleChoiceField(choices=[])",
    ],
)
def test_the_scanner_leaves_reads_and_declarations_alone(source):
    assert state_writes(source) == []


def test_nothing_in_the_project_writes_the_state_field_except_transitions():
    files = project_files()
    assert any(p.match("disputes/services.py") for p in files)  # the scan really looks at the code
    offences = {
        str(path.relative_to(ROOT)): hits
        for path in files
        if (hits := state_writes(path.read_text(encoding="utf-8")))
    }
    assert offences == {}


def test_the_state_field_refuses_direct_assignment(db, regions, claimant, respondent):
    dispute = factories.file_dispute(claimant, regions["grid1"], respondent.phone)
    with pytest.raises(AttributeError):
        dispute.state = Dispute.State.CLOSED


# --- fields clients do not own ------------------------------------------------------------------
FOREIGN_FIELDS = {
    "state": "closed",
    "reference": "TJ-1999-000001",
    "level": 0,
    "mediator": None,
    "case_handler": None,
    "served_at": "2020-01-01T00:00:00Z",
    "due_at": "2099-01-01T00:00:00Z",
    "closed_at": "2020-01-01T00:00:00Z",
    "outcome": "adjudicated",
    "outcome_note": "伪造",
    "filed_by": None,
    "fingerprint": "x",
    "created_at": "2020-01-01T00:00:00Z",
    "id": 424242,
    "claimant": {"name": "冒名", "phone": "13600000000"},
    "claimant_phone": "13600000000",
}


@pytest.mark.django_db
def test_filing_ignores_fields_the_client_does_not_own(
    regions, claimant, respondent, mediator, street_handler, api
):
    body = {
        "title": "噪音", "description": "深夜施工。", "category": "neighbourhood", "grid": regions["grid1"].pk,
        "respondent": {"name": "李四", "phone": respondent.phone},
        **FOREIGN_FIELDS, "mediator": mediator.pk, "case_handler": street_handler.pk, "filed_by": mediator.pk,
    }  # fmt: skip
    r = api(claimant).post("/api/v1/disputes/", body, format="json")
    assert r.status_code == 201, r.json()
    dispute = Dispute.objects.get(pk=r.json()["id"])
    assert dispute.pk != 424242
    assert (dispute.state, dispute.level, dispute.mediator, dispute.case_handler) == ("filed", 2, None, None)
    assert dispute.reference != "TJ-1999-000001" and dispute.reference.endswith(f"{dispute.pk:06d}")
    assert (dispute.served_at, dispute.closed_at, dispute.outcome) == (None, None, "")
    assert (dispute.filed_by, dispute.claimant_phone, dispute.claimant_name) == (
        claimant,
        claimant.phone,
        "张三",
    )
    assert dispute.due_at.year < 2099


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "name", "who", "payload"),
    [
        ("filed", "accept", "grid_worker", {}),
        ("awaiting_response", "respondent_accept", "respondent", {}),
        ("awaiting_mediator", "assign_mediator", "grid_worker", {"mediator": "@mediator"}),
        ("mediator_assigned", "mediator_accept", "mediator", {}),
        ("escalated", "take_case", "street_handler", {}),
        ("case_handling", "conclude", "street_handler", {"outcome": "dismissed"}),
        ("filed", "withdraw", "claimant", {}),
    ],
)
def test_transitions_ignore_fields_the_client_does_not_own(
    state, name, who, payload, dispute, advance, regions, api, cast, other_mediator, district_handler
):
    dispute = advance(dispute, state)
    before = Dispute.objects.get(pk=dispute.pk)
    payload = {k: cast(v[1:]).pk if str(v).startswith("@") else v for k, v in payload.items()}
    extra = {
        **FOREIGN_FIELDS, "grid": regions["grid2"].pk, "category": "labour", "title": "改过的标题",
        "respondent_phone": "13600000000", "case_handler": district_handler.pk, "actor": None,
    }  # fmt: skip
    if name != "assign_mediator":
        extra["mediator"] = other_mediator.pk
    r = api(cast(who)).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/{name}/", {**extra, **payload}, format="json"
    )
    assert r.status_code == 200, r.json()
    after = Dispute.objects.get(pk=dispute.pk)
    assert after.state != "closed" or name == "conclude"
    assert (after.grid_id, after.category.slug, after.title) == (
        before.grid_id,
        before.category.slug,
        before.title,
    )
    assert (after.reference, after.respondent_phone, after.claimant_phone) == (
        before.reference, before.respondent_phone, before.claimant_phone,
    )  # fmt: skip
    assert after.mediator_id != other_mediator.pk
    assert after.case_handler_id != district_handler.pk
    assert after.outcome in ("", "dismissed") and after.outcome_note != "伪造"
    event = after.events.last()
    assert event.transition == name and event.actor == cast(who)
    assert set(event.payload) <= {"note", "mediator", "outcome", "referral_advice"}


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("who", ["claimant", "grid_worker", "street_handler"])
def test_a_dispute_cannot_be_edited_or_deleted_through_the_api(
    method, who, dispute, regions, api, cast, snapshot
):
    before = snapshot(dispute)
    r = getattr(api(cast(who)), method)(
        f"/api/v1/disputes/{dispute.pk}/", {"state": "closed", "grid": regions["grid2"].pk}, format="json"
    )
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"
    assert snapshot(dispute) == before


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_the_timeline_cannot_be_written_through_the_api(method, dispute, grid_worker, api, snapshot):
    before = snapshot(dispute)
    r = getattr(api(grid_worker), method)(
        f"/api/v1/disputes/{dispute.pk}/events/",
        {"transition": "conclude", "to_state": "closed"},
        format="json",
    )
    assert r.status_code == 405
    assert snapshot(dispute) == before


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_evidence_cannot_be_replaced_or_deleted_through_the_api(
    method, dispute, claimant, api, snapshot, settings, tmp_path
):
    from disputes import services
    from tests import samples

    settings.MEDIA_ROOT = tmp_path
    evidence = services.add_evidence(dispute, by=claimant, upload=samples.upload("a.png", samples.png()))
    before = snapshot(dispute)
    for url in (
        f"/api/v1/disputes/{dispute.pk}/evidence/",
        f"/api/v1/disputes/{dispute.pk}/evidence/{evidence.pk}/download/",
    ):
        assert getattr(api(claimant), method)(url, {}, format="json").status_code == 405
    assert snapshot(dispute) == before
