#!/usr/bin/env python
"""How fast does the SLA sweeper work through due deadlines, and what does an idle minute cost?

Loads BACKGROUND disputes whose next SLA look is weeks away and DUE disputes in intake whose
reminder is due now, into a PostgreSQL database (created if missing; `wt_i6s` by default),
then times: one sweep over the due ones (each: row lock, claim, timeline line, next look),
and an idle sweep (nothing due) with its query plan.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_i6s python bench/sla.py --due 1000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/wt_i6s"


def ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    cfg = dj_database_url.parse(url)
    admin = psycopg.connect(
        host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], password=cfg["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    )  # fmt: skip
    with admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--background", type=int, default=50_000)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TIAOJIE_AUTO_ASSIGN", "0")
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Region, StaffRole, User
    from disputes.models import Category, Dispute, DisputeEvent, SlaNotice
    from disputes.sla import engine

    call_command("migrate", verbosity=0)
    district, _ = Region.objects.get_or_create(name="bench-district", kind="district")
    street, _ = Region.objects.get_or_create(name="bench-street", kind="street", parent=district)
    community, _ = Region.objects.get_or_create(name="bench-community", kind="community", parent=street)
    grid, _ = Region.objects.get_or_create(name="bench-grid", kind="grid", parent=community)
    filer, _ = User.objects.get_or_create(username="bench-filer", defaults={"phone": "13700000000"})
    worker, created = User.objects.get_or_create(
        username="bench-grid-worker", defaults={"phone": "13700000001"}
    )
    if created:
        StaffRole.objects.create(user=worker, role="grid_worker", region=grid)
    category = Category.objects.first()
    now = timezone.now()
    far = now + timedelta(days=30)

    def rows(count: int, due, next_at, tag: str):
        for i in range(count):
            yield Dispute(
                title=f"bench {tag} {i}", description="bench", category=category, grid=grid,
                claimant_name="甲", claimant_phone=f"139{i:08d}", respondent_name="乙",
                respondent_phone=f"138{i:08d}", filed_by=filer, fingerprint=f"{tag}-{now.timestamp()}-{i}",
                state="filed", due_at=due, sla_next_at=next_at,
            )  # fmt: skip

    background = Dispute.objects.filter(title__startswith="bench bg").count()
    if background < args.background:
        Dispute.objects.bulk_create(rows(args.background - background, far, far, "bg"), batch_size=5000)
    Dispute.objects.filter(title__startswith="bench bg").update(sla_next_at=far, due_at=far)
    due = list(
        Dispute.objects.bulk_create(rows(args.due, now + timedelta(hours=3), now, "due"), batch_size=5000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE disputes_dispute")

    started = time.perf_counter()
    handled = engine.sweep(now=now + timedelta(seconds=1), batch=args.due)
    busy = time.perf_counter() - started
    assert handled == args.due, handled
    idle_times = []
    for _ in range(20):
        started = time.perf_counter()
        assert engine.sweep(now=now + timedelta(seconds=2)) == 0
        idle_times.append(time.perf_counter() - started)
    queryset = Dispute.objects.filter(sla_next_at__lte=now).order_by("sla_next_at").values_list("pk")[:500]
    plan = queryset.explain()
    result = {
        "due": args.due,
        "background": Dispute.objects.filter(title__startswith="bench bg").count(),
        "sweep_seconds": round(busy, 3),
        "disputes_per_second": round(args.due / busy),
        "idle_sweep_ms_median": round(sorted(idle_times)[len(idle_times) // 2] * 1000, 2),
        "idle_plan": plan.splitlines()[:3],
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    # Leave the background for the next run; remove what this run added.
    ids = [d.pk for d in due]
    SlaNotice.objects.filter(dispute_id__in=ids).delete()
    DisputeEvent.objects.filter(dispute_id__in=ids).delete()
    Dispute.objects.filter(pk__in=ids).delete()


if __name__ == "__main__":
    main()
