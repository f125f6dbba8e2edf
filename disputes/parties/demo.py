"""The demo's dispute with many parties (docs/features/parties.md), run by `seed_demo` through
disputes.hooks.DEMO: three households of one building against their property-management
company, filed by the grid worker; one household acts through a guardian, the company's
lawyer waits for the grid worker's check of the power of attorney."""

from __future__ import annotations

import io

from accounts.models import StaffRole, User
from disputes import services as dispute_services
from disputes.models import Category, Dispute, DisputeParty

from . import services

TITLE = "三户业主与物业公司的电梯维修费纠纷"
COMPANY = ("杭州宝石物业服务有限公司", "91330106MA2CFXNM56")


def authorisation_image(text: str) -> bytes:
    """A scanned power of attorney stands in as a plain image (the upload is re-encoded)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (420, 160), "white")
    ImageDraw.Draw(image).text((20, 70), text, fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed_parties() -> None:
    if Dispute.objects.filter(title=TITLE).exists():
        return
    worker = User.objects.get(username="grid1")
    residents = {
        u.username: u
        for u in User.objects.filter(
            username__in=["resident16", "resident17", "resident18", "resident19", "resident20"]
        )
    }
    lead, second, elder = residents["resident16"], residents["resident17"], residents["resident18"]
    contact, lawyer = residents["resident20"], residents["resident19"]
    dispute, _created = dispute_services.file_dispute(
        by=worker, title=TITLE, category=Category.objects.get(slug="neighbourhood"),
        grid=worker.staff_roles.get(role=StaffRole.Role.GRID_WORKER).region,
        description="3幢电梯停运两个月，物业要求三户业主另行分摊维修费，业主认为应从维修基金支出。",
        respondent_name=COMPANY[0], respondent_phone=contact.phone, desired_outcome="物业从维修基金支出维修费，尽快修复电梯。",
        on_behalf_of={"full_name": lead.full_name, "phone": lead.phone},
    )  # fmt: skip
    DisputeParty.objects.filter(dispute=dispute, side="respondent", position=0).update(
        kind="organisation", org_type="property_management", uscc=COMPANY[1],
        contact_name=contact.full_name, contact_title="项目经理",
    )  # fmt: skip
    services.add_party(dispute, by=worker, side="claimant", name=second.full_name, phone=second.phone)
    ward = services.add_party(dispute, by=worker, side="claimant", name=elder.full_name, phone=elder.phone)
    guardian = services.add_representative(
        ward, by=worker, kind="guardian", relation="child", name="李建国", phone="13900000777",
        authorisation=authorisation_image("Guardianship certificate"), filename="监护证明.png",
    )  # fmt: skip
    services.check_representative(guardian, by=worker, approve=True, note="已核对社区出具的监护证明。")
    company = dispute.parties.get(side="respondent", position=0)
    services.add_representative(
        company, by=worker, kind="agent", relation="lawyer", name=lawyer.full_name, phone=lawyer.phone,
        may_sign=False, authorisation=authorisation_image("Power of attorney"), filename="授权委托书.png",
    )  # fmt: skip
    dispute_services.fire(dispute.pk, "accept", by=worker, payload={"note": "三户业主共同申请，已电话核实。"})
