"""Factories for the fixed cast and their disputes."""

from __future__ import annotations

import itertools

import factory
from django.conf import settings

from accounts.models import Region, StaffRole, User
from core.crypto import blind_index
from disputes import services
from disputes.models import Category, Dispute
from mediation.models import Committee, MediatorProfile

_phones = itertools.count(13800000001)


def next_phone() -> str:
    return str(next(_phones))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"张{n}")
    phone = factory.LazyFunction(next_phone)
    phone_verified = True
    # The cast has accepted the current privacy notice (tests/accounts/test_privacy.py covers
    # users who have not).
    privacy_notice_version = factory.LazyFunction(lambda: settings.PRIVACY_NOTICE_VERSION)
    password = factory.PostGenerationMethodCall("set_password", "tiaojie-test-pw")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def staff(role: str, region: Region, **kwargs) -> User:
    """A staff user; mediators also get an active profile in their region's committee."""
    user = UserFactory(**kwargs)
    StaffRole.objects.create(user=user, role=role, region=region)
    if role == StaffRole.Role.MEDIATOR:
        committee, _ = Committee.objects.get_or_create(
            region=region, defaults={"name": f"{region.name}人民调解委员会"}
        )
        MediatorProfile.objects.create(user=user, committee=committee, languages=["zh"])
    return user


def region_tree() -> dict[str, Region]:
    """district → street1 → community1 → grid1, grid2; street2 → community2 → grid3."""
    district = Region.objects.create(name="西湖区", name_en="Xihu District", kind="district")
    street1 = Region.objects.create(name="北山街道", name_en="Beishan Street", kind="street", parent=district)
    street2 = Region.objects.create(name="灵隐街道", name_en="Lingyin Street", kind="street", parent=district)
    community1 = Region.objects.create(name="宝石社区", name_en="Baoshi", kind="community", parent=street1)
    community2 = Region.objects.create(name="玉泉社区", name_en="Yuquan", kind="community", parent=street2)
    grid1 = Region.objects.create(name="宝石一网格", name_en="Baoshi Grid 1", kind="grid", parent=community1)
    grid2 = Region.objects.create(name="宝石二网格", name_en="Baoshi Grid 2", kind="grid", parent=community1)
    grid3 = Region.objects.create(name="玉泉一网格", name_en="Yuquan Grid 1", kind="grid", parent=community2)
    return {
        "district": district, "street1": street1, "street2": street2, "community1": community1,
        "community2": community2, "grid1": grid1, "grid2": grid2, "grid3": grid3,
    }  # fmt: skip


def file_dispute(claimant: User, grid: Region, respondent_phone: str, **overrides) -> Dispute:
    fields = dict(
        title="楼上漏水", description="楼上卫生间漏水导致我家天花板损坏。", category=Category.objects.get(slug="neighbourhood"),
        grid=grid, respondent_name="李四", respondent_phone=respondent_phone,
    )  # fmt: skip
    fields.update(overrides)
    dispute, _ = services.file_dispute(by=claimant, **fields)
    return dispute


# --- settlements --------------------------------------------------------------------------------
SETTLEMENT = {
    "terms": ["李四于2026年12月31日前赔偿张三维修费人民币1200元。", "双方就本纠纷再无其他争议。"],
    "amount": "1200.00",
    "performance_method": "银行转账",
    "performance_deadline": "2026-12-31",
}


def sign_code(user: User, code: str = "246810", scope: str | None = None) -> str:
    """A fresh signing code for the user's phone, as sign-code/ would send it (no SMS).

    Bound like sign-code/ binds it: to `scope`, by default the settlement version open for
    the user's signature (the latest one awaiting signatures where the user signs).
    """
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import PhoneCode

    PhoneCode.objects.filter(
        phone_index=blind_index(user.phone), purpose=PhoneCode.Purpose.SIGN, used_at=None
    ).update(used_at=timezone.now())
    if scope is None:
        scope = _open_settlement_scope(user)
    PhoneCode.objects.create(
        phone=user.phone,
        user=user,
        purpose=PhoneCode.Purpose.SIGN,
        scope=scope,
        code_hash=make_password(code),
        expires_at=timezone.now() + timedelta(minutes=10),
    )
    return code


def _open_settlement_scope(user: User) -> str:
    from mediation.models import Settlement
    from mediation.settlements import agreements as settlements

    open_versions = (
        Settlement.objects.filter(ended_at=None, dispute__state="awaiting_signatures")
        .select_related("dispute")
        .order_by("-created_at", "-pk")
    )
    for settlement in open_versions:
        if settlements.signer_role(settlement.dispute, user) is not None:
            return settlements.sign_scope(settlement)
    return "settlement:none"
