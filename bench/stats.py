#!/usr/bin/env python
"""How fast are the cockpit's figures on 1,000,000 disputes? GET /api/v1/stats/ and /cockpit/.

Loads 1,000,000 disputes over the demo grids and every state (filed over three years, some
overdue, settled ones with a settlement time, a fifth of the settled or closed ones rated)
into a dedicated PostgreSQL database, with one INSERT ... SELECT FROM generate_series per
table (about a minute), then times the stats endpoint and the cockpit page for the district
case handler (handler2: every dispute), the street case handler (handler1) and a grid
worker (grid1), whole scope and a 90-day period, in process through Django's test Client:
the whole Django/DRF stack plus PostgreSQL, without the HTTP server.

The figures read the tallies that the dispute table's triggers keep (disputes.reports.stats): the
load fires them for every row, like any other write, so the loaded tallies are the real ones.

    python bench/stats.py          # or: make bench-stats
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_i7b_bench python bench/stats.py --requests 50
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lists import STATE_WEIGHTS, ensure_database, explain_analyze, setup_django  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tiaojie_stats_bench"
TOTAL = 1_000_000
TARGET_P95_MS = 300.0
TRIGGERS = ("disputes_dispute_tally", "disputes_dispute_tally_update")
USERS = ("handler2", "handler1", "grid1")


def load(total: int) -> None:
    """Add bench disputes (fingerprint "stats:N") until there are `total`, and their ratings."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Region, User
    from disputes.models import Category, Dispute, Rating, SettlementTally, Tally

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    have = Dispute.objects.filter(fingerprint__startswith="stats:").count()
    if have >= total and Rating.objects.exists():
        print(f"Bench data present: {have:,} disputes.")
        return
    print(f"Loading {total - have:,} bench disputes (have {have:,}) ...", flush=True)
    grids = list(Region.objects.filter(kind=Region.Kind.GRID).order_by("path").values_list("pk", flat=True))
    categories = list(Category.objects.values_list("pk", flat=True))
    filer = User.objects.get(username="resident1")
    # A cumulative weight table turns one random number into a state, in SQL.
    states, edges, acc = [], [], 0
    weight_sum = sum(STATE_WEIGHTS.values())
    for state, weight in STATE_WEIGHTS.items():
        acc += weight
        states.append(state)
        edges.append(acc / weight_sum)
    case = " ".join(f"WHEN r < {edge} THEN '{state}'" for state, edge in zip(states, edges, strict=True))
    started = time.perf_counter()
    table = Dispute._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        # One statement of a million rows would push each tally row through a million
        # versions in one transaction: load with the tally triggers off, then fill the
        # tallies from the disputes as the migration does.
        cursor.execute(f"ALTER TABLE {table} " + ", ".join(f"DISABLE TRIGGER {t}" for t in TRIGGERS))
        try:
            insert_disputes(cursor, table, case, categories, grids, filer.pk, have, total)
        finally:
            cursor.execute(f"ALTER TABLE {table} " + ", ".join(f"ENABLE TRIGGER {t}" for t in TRIGGERS))
        print(f"  disputes in {time.perf_counter() - started:.1f} s", flush=True)
        fill = importlib.import_module("disputes.migrations.0008_cockpit_tallies").PG_FILL
        cursor.execute(f"DELETE FROM {Tally._meta.db_table}")
        cursor.execute(f"DELETE FROM {SettlementTally._meta.db_table}")
        cursor.execute(fill)
        print(f"  tallies in {time.perf_counter() - started:.1f} s", flush=True)
        # A fifth of the settled ones rated by the claimant, scores skewed to satisfied.
        cursor.execute(
            f"""
            INSERT INTO {Rating._meta.db_table} (dispute_id, party, by_id, score, comment, at,
                grid_id, category_id, filed_at)
            SELECT id, 'claimant', %(filer)s, (ARRAY[1, 2, 3, 4, 4, 5, 5, 5])[1 + floor(random() * 8)::int],
                   '', settled_at + interval '2 days', grid_id, category_id, created_at
            FROM {table}
            WHERE fingerprint LIKE 'stats:%%' AND settled_at IS NOT NULL AND random() < 0.2
            ON CONFLICT DO NOTHING
            """,
            {"filer": filer.pk},
        )
        cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute(f"VACUUM ANALYZE {Rating._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {Tally._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {SettlementTally._meta.db_table}")
    print(f"Loaded in {time.perf_counter() - started:.1f} s.", flush=True)


def insert_disputes(
    cursor, table: str, case: str, categories, grids, filer: int, have: int, total: int
) -> None:
    """Disputes "stats:have" .. "stats:total-1": one INSERT ... SELECT FROM generate_series."""
    cursor.execute(
        f"""
        INSERT INTO {table} (reference, title, description, category_id, grid_id, level,
            claimant_name, claimant_phone, respondent_name, respondent_phone, respondent_email,
            claimant_address, respondent_address, desired_outcome, filed_by_id, fingerprint,
            state, due_at, served_at, outcome, outcome_note, created_at, updated_at, closed_at,
            settled_at)
        SELECT 'TJ-S-' || lpad(n::text, 7, '0'), '统计基准纠纷 ' || n, '驾驶舱性能测试。',
            (%(categories)s::int[])[1 + n %% %(ncat)s], (%(grids)s::int[])[1 + n %% %(ngrid)s], 2,
            '测试申请人', '152' || lpad(n::text, 8, '0'), '测试被申请人', '153' || lpad(n::text, 8, '0'),
            '', '', '', '', %(filer)s, 'stats:' || n,
            state,
            CASE WHEN state IN ('rejected', 'closed', 'withdrawn', 'settled') THEN NULL
                 ELSE now() + (random() * 20 - 10) * interval '1 day' END,
            created + interval '1 day', '', '', created, created,
            CASE WHEN state IN ('rejected', 'closed', 'withdrawn')
                 THEN created + random() * 60 * interval '1 day' END,
            CASE WHEN state = 'settled' OR (state = 'closed' AND random() < 0.6)
                 THEN created + (1 + random() * 45) * interval '1 day' END
        FROM (
            SELECT n, now() - random() * 3 * 365 * interval '1 day' AS created,
                   CASE {case} ELSE 'closed' END AS state
            FROM (SELECT n, random() AS r FROM generate_series(%(start)s, %(end)s) AS n) AS raw
        ) AS rows
        """,
        {
            "categories": categories, "ncat": len(categories), "grids": grids, "ngrid": len(grids),
            "filer": filer, "start": have, "end": total - 1,
        },
    )  # fmt: skip


def measure(users: list[str], requests: int, warmup: int) -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import User

    today = timezone.localdate()
    period = f"from={(today - timedelta(days=90)).isoformat()}&to={today.isoformat()}"
    rows = []
    for username in users:
        user = User.objects.get(username=username)
        token, _ = Token.objects.get_or_create(user=user)
        api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
        page = Client()
        page.force_login(user)
        for client, url in (
            (api, "/api/v1/stats/"),
            (api, f"/api/v1/stats/?{period}"),
            (page, "/cockpit/"),
            (page, f"/cockpit/?{period}"),
        ):
            for _ in range(warmup):
                check(client.get(url), url)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            check(response, url)
            queries = list(captured.captured_queries)
            timings = []
            for _ in range(requests):
                start = time.perf_counter()
                check(client.get(url), url)
                timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            slowest = max(queries, key=lambda q: float(q["time"]))
            row = {
                "user": username,
                "url": url.replace(period, "from=-90d"),
                "queries": len(queries),
                "sql_ms": sum(float(q["time"]) for q in queries) * 1000,
                "slowest_sql_ms": float(slowest["time"]) * 1000,
                "slowest_sql": slowest["sql"],
                "p50": statistics.median(timings),
                "p95": timings[max(0, round(0.95 * len(timings)) - 1)],
                "max": timings[-1],
            }
            rows.append(row)
            print(
                f"  {username:9} {row['url']:32} p50 {row['p50']:7.1f}  p95 {row['p95']:7.1f} ms", flush=True
            )
    return rows


def check(response, url: str) -> None:
    if response.status_code != 200:
        sys.exit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")


def report(rows: list[dict], requests: int, explain: bool) -> None:
    from disputes.models import Dispute, Rating, SettlementTally, Tally

    total, ratings = Dispute.objects.count(), Rating.objects.count()
    tallies, settlement_tallies = Tally.objects.count(), SettlementTally.objects.count()
    print()
    print(f"{total:,} disputes and {ratings:,} ratings in PostgreSQL; {requests} timed requests per line")
    print(f"({tallies:,} Tally and {settlement_tallies:,} SettlementTally rows)")
    print("after warm-up; in process (django.test.Client), so no HTTP server time is included.")
    print()
    header = (
        f"{'user':9} {'request':32} {'queries':>7} {'SQL ms':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['user']:9} {r['url']:32} {r['queries']:>7} {r['sql_ms']:>7.1f} "
            f"{r['p50']:>7.1f} {r['p95']:>7.1f} {r['max']:>7.1f}"
        )
    worst = max(r["p95"] for r in rows)
    verdict = "meets" if worst < TARGET_P95_MS else "MISSES"
    print(f"\nWorst p95 {worst:.1f} ms: {verdict} the {TARGET_P95_MS:.0f} ms target.")
    print("Load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    if explain:
        slowest = max(rows, key=lambda r: r["slowest_sql_ms"])
        print(f"\nSlowest query ({slowest['slowest_sql_ms']:.1f} ms, {slowest['user']} {slowest['url']}):")
        print(explain_analyze(slowest["slowest_sql"]))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    for r in rows:
        r.pop("slowest_sql", None)
    (out / "stats.json").write_text(
        json.dumps({"disputes": total, "requests": requests, "load": os.getloadavg(), "rows": rows}, indent=2)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="timed requests per line (40)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (3)")
    parser.add_argument("--total", type=int, default=TOTAL, help=f"disputes to load ({TOTAL:,})")
    parser.add_argument("--explain", action="store_true", help="print the slowest query's plan")
    parser.add_argument("--users", default=",".join(USERS), help=f"demo accounts to time ({','.join(USERS)})")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    ensure_database(url)
    setup_django(url)
    load(args.total)
    users = [u.strip() for u in args.users.split(",") if u.strip()]
    rows = measure(users, args.requests, args.warmup)
    report(rows, args.requests, args.explain)


if __name__ == "__main__":
    main()
