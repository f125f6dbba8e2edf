#!/usr/bin/env python
"""How fast is the related-disputes list on 1,000,000 disputes? (docs/features/intake.md)

Loads, into its own PostgreSQL database (tiaojie_related_bench), a city district of 1,000 grids
(20 streets × 10 communities × 5 grids, 20 named places per grid) and 1,000,000 disputes filed
over three years, with what makes the list work hard: phones that repeat (a pool of 400,000
residents, some filing often; a third of the respondents from 2,000 frequent ones such as
property companies and landlords, a few of them in thousands of disputes), places that repeat
(70% of disputes name one of their grid's places, the big estates far more often), Chinese texts
built from a shared stock of phrases (so trigrams are common), and 3% re-filings that repeat an
earlier dispute's claimant, place and text. Phones are sealed and blind-indexed as the
application does (a pool sealed in Python, COPY'd in); the disputes are one INSERT ... SELECT
FROM generate_series, with the trigram index built after the load.

Then times the list for a sample of disputes in the grids of the timed staff: the service call
(disputes.related.related_to) and GET /api/v1/disputes/{id}/related/ through Django's test
client, as the grid worker, the street handler (50 grids) and the district handler (1,000
grids), and prints p50/p95, the query counts and what was found.

    python bench/related.py          # or: make bench-related
    python bench/related.py --sample 100 --explain
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lists import STATE_WEIGHTS, ensure_database, setup_django  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tiaojie_related_bench"
TOTAL = 1_000_000
PHONES = 400_000
FREQUENT = 2_000
STREETS, COMMUNITIES, GRIDS, PLACES = 20, 10, 5, 20
TARGET_P95_MS = 100.0
TRIGGERS = ("disputes_dispute_tally", "disputes_dispute_tally_update")
MARK = "related:"

ISSUES = [
    "楼上漏水", "噪音扰民", "停车位被占", "物业费纠纷", "租房押金不退", "拖欠工资", "装修质量问题",
    "宠物伤人", "邻里通道堵塞", "高空抛物", "油烟扰民", "违章搭建", "消费退款", "彩礼返还",
    "赡养老人", "遗产分割", "房屋买卖定金", "水电费分摊", "绿化带被毁", "电梯费用分摊",
    "快递丢失赔偿", "健身卡退费", "培训费退费", "医疗费用赔偿", "交通事故赔偿", "合伙经营纠纷",
    "借款不还", "工伤赔偿", "空调外机噪音", "垃圾堆放",
]  # fmt: skip
OPENINGS = [
    "我是本小区业主，", "本人租住在此，", "我与对方是邻居，", "我在对方店里消费，", "我在该工地做工，",
    "我家老人反映，", "我与对方系亲属关系，", "我在该公司工作两年，", "我于去年签订合同，", "我多次与对方沟通，",
    "物业公司称无法处理，", "社区曾经调解过一次，", "对方一直拒绝见面，", "去年冬天开始，", "自今年三月起，",
    "对方口头答应过，", "我有聊天记录为证，", "邻居们都知道这件事，", "派出所出过警，", "我已经报过12345，",
]  # fmt: skip
MIDDLES = [
    "对方卫生间漏水导致我家天花板发霉脱落，", "每天夜里十一点后仍有很大的噪音，", "车位长期被别人的车辆占用，",
    "物业费收费标准与合同约定不符，", "退租时房东以各种理由扣留押金，", "老板拖欠三个月工资一直不付，",
    "装修完不到半年墙面开裂地板起拱，", "对方的狗没有拴绳把我家孩子咬伤，", "楼道里堆满杂物影响通行和消防，",
    "楼上住户往下扔垃圾砸坏了我的车，", "楼下饭店的油烟直接排进我家窗户，", "对方在公共区域私自搭建棚子，",
    "商家承诺七天无理由退货却不退款，", "婚约解除后对方不肯返还彩礼，", "兄弟姐妹之间对赡养费分担有争议，",
    "父母留下的房子如何分割谈不拢，", "签了购房合同后卖方反悔不退定金，", "合租人拒绝分摊水电燃气费用，",
    "施工队毁坏了小区绿化带，", "加装电梯的费用分摊方案谈不拢，",
]  # fmt: skip
ENDINGS = [
    "要求对方赔偿损失", "希望社区出面调解", "要求对方立即停止侵害", "要求退还全部费用", "要求对方支付欠款",
    "希望尽快解决", "要求恢复原状", "要求对方赔礼道歉", "要求按合同履行", "请求依法处理",
]  # fmt: skip


def sql_array(items: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + s.replace("'", "''") + "'" for s in items) + "]"


def load(total: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import Region, StaffRole, User
    from disputes.models import Category, Dispute

    call_command("migrate", verbosity=0)
    have = Dispute.objects.filter(fingerprint__startswith=MARK).count()
    if have >= total:
        print(f"Bench data present: {have:,} disputes.")
        return
    if have or User.objects.filter(username="rb_filer").exists():
        sys.exit(f"{have:,} bench disputes of {total:,}: drop the database and load again.")
    started = time.perf_counter()
    with transaction.atomic():
        grids = regions_and_staff(Region, StaffRole, User)
    print(f"Regions and staff in {time.perf_counter() - started:.1f} s.", flush=True)
    categories = list(Category.objects.values_list("pk", flat=True))
    filer = User.objects.get(username="rb_filer")
    table = Dispute._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        places(cursor, grids)
        t = time.perf_counter()
        phone_pool(cursor)
        print(
            f"Phone pool ({PHONES:,} sealed and indexed, COPY) in {time.perf_counter() - t:.1f} s.",
            flush=True,
        )
        cursor.execute(
            "CREATE OR REPLACE FUNCTION pg_temp.brand(s bigint, salt text) RETURNS double precision "
            "LANGUAGE sql IMMUTABLE AS $$ SELECT (hashtext(s::text || salt)::bigint + 2147483648) / 4294967296.0 $$"
        )
        cursor.execute(f"ALTER TABLE {table} " + ", ".join(f"DISABLE TRIGGER {t}" for t in TRIGGERS))
        t = time.perf_counter()
        try:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            base = cursor.fetchone()[0]
            insert_disputes(cursor, table, categories, grids, filer.pk, total, base)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        finally:
            cursor.execute(f"ALTER TABLE {table} " + ", ".join(f"ENABLE TRIGGER {t}" for t in TRIGGERS))
        print(f"{total:,} disputes (INSERT ... SELECT) in {time.perf_counter() - t:.1f} s.", flush=True)
        cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"Loaded in {time.perf_counter() - started:.1f} s.", flush=True)


def regions_and_staff(Region, StaffRole, User) -> list[int]:
    """1,000 grids; a grid worker on the first grid of each street, a street handler, a district
    handler; the filer of the bench disputes (a grid worker filing on behalf)."""
    district = Region.objects.create(name="基准区", name_en="Bench District", kind="district")
    grids = []
    for s in range(STREETS):
        street = Region.objects.create(name=f"基准{s}街道", kind="street", parent=district)
        if s == 0:
            first_street = street
        for c in range(COMMUNITIES):
            community = Region.objects.create(name=f"基准{s}-{c}社区", kind="community", parent=street)
            for g in range(GRIDS):
                grid = Region.objects.create(name=f"基准{s}-{c}-{g}网格", kind="grid", parent=community)
                grids.append(grid)
    for n, grid in enumerate(grids[:: COMMUNITIES * GRIDS]):
        worker = User.objects.create_user(f"rb_grid{n}", password="x", full_name=f"网格员{n}")
        StaffRole.objects.create(user=worker, role="grid_worker", region=grid)
    street_handler = User.objects.create_user("rb_street", password="x", full_name="街道承办人")
    StaffRole.objects.create(user=street_handler, role="case_handler", region=first_street)
    district_handler = User.objects.create_user("rb_district", password="x", full_name="区承办人")
    StaffRole.objects.create(user=district_handler, role="case_handler", region=district)
    User.objects.create_user("rb_filer", password="x", full_name="代办网格员")
    return [g.pk for g in grids]


def places(cursor, grids: list[int]) -> None:
    """PLACES named places per grid, and bench_places(gi, k, place_id) to pick them in SQL."""
    cursor.execute(
        """
        INSERT INTO accounts_place (grid_id, name, name_en, pinyin, initials)
        SELECT (%(grids)s::int[])[gi], '基准花园' || gi || '-' || k || '幢', '', '', ''
        FROM generate_series(1, %(ngrid)s) AS gi, generate_series(0, %(nplace)s - 1) AS k
        """,
        {"grids": grids, "ngrid": len(grids), "nplace": PLACES},
    )
    cursor.execute(
        """
        CREATE UNLOGGED TABLE IF NOT EXISTS bench_places AS
        SELECT gi, k, p.id AS place_id FROM accounts_place p
        JOIN (SELECT gi, (%(grids)s::int[])[gi] AS grid_id FROM generate_series(1, %(ngrid)s) gi) g
          ON g.grid_id = p.grid_id
        CROSS JOIN LATERAL (SELECT (regexp_match(p.name, '-(\\d+)幢'))[1]::int AS k) kk
        """,
        {"grids": grids, "ngrid": len(grids)},
    )
    cursor.execute("CREATE UNIQUE INDEX IF NOT EXISTS bench_places_key ON bench_places (gi, k)")


def phone_pool(cursor) -> None:
    """bench_phones(n, idx, claimant, respondent): PHONES residents, sealed per column, COPY'd."""
    from core import crypto

    cursor.execute(
        "CREATE UNLOGGED TABLE bench_phones (n int PRIMARY KEY, idx text, claimant text, respondent text)"
    )
    c_ctx, r_ctx = (crypto.aad("disputes_dispute", f"{side}_phone") for side in ("claimant", "respondent"))
    with cursor.cursor.copy("COPY bench_phones (n, idx, claimant, respondent) FROM STDIN") as copy:
        for n in range(PHONES):
            phone = f"1{3 + n % 7}{n:09d}"
            copy.write_row(
                (n, crypto.blind_index(phone), crypto.seal(phone, c_ctx), crypto.seal(phone, r_ctx))
            )


def insert_disputes(
    cursor, table: str, categories: list[int], grids: list[int], filer: int, total: int, base: int
) -> None:
    ngrid = len(grids)
    states, edges, acc = [], [], 0
    weight_sum = sum(STATE_WEIGHTS.values())
    for state, weight in STATE_WEIGHTS.items():
        acc += weight
        states.append(state)
        edges.append(acc / weight_sum)
    case = " ".join(
        f"WHEN pg_temp.brand(n, 'st') < {e} THEN '{s}'" for s, e in zip(states, edges, strict=True)
    )
    pick = "({arr})[1 + floor(pg_temp.brand(s, '{salt}') * {size})::int]"
    title = pick.format(arr=sql_array(ISSUES), salt="i", size=len(ISSUES))
    opening = pick.format(arr=sql_array(OPENINGS), salt="o", size=len(OPENINGS))
    middle = pick.format(arr=sql_array(MIDDLES), salt="m", size=len(MIDDLES))
    ending = pick.format(arr=sql_array(ENDINGS), salt="e", size=len(ENDINGS))
    cursor.execute(
        f"""
        INSERT INTO {table} (id, reference, title, description, category_id, grid_id, level, place_id,
            claimant_name, claimant_phone, claimant_phone_index, respondent_name, respondent_phone,
            respondent_phone_index, respondent_email, claimant_address, respondent_address,
            desired_outcome, filed_by_id, fingerprint, state, due_at, served_at, outcome, outcome_note,
            created_at, updated_at, closed_at, language)
        SELECT %(base)s + d.n, 'TJ-R-' || lpad((%(base)s + d.n)::text, 7, '0'), title, description,
            (%(categories)s::int[])[1 + d.n %% %(ncat)s], (%(grids)s::int[])[d.gi], 2, bp.place_id,
            '申请人' || cp.n, cp.claimant, cp.idx, '被申请人' || rp.n, rp.respondent, rp.idx, '', '', '', '',
            %(filer)s, %(mark)s || d.n, state,
            CASE WHEN state IN ('rejected', 'closed', 'withdrawn', 'settled') THEN NULL
                 ELSE created + interval '7 days' END,
            CASE WHEN state <> 'filed' THEN created + interval '1 day' END, '', '', created, created,
            CASE WHEN state IN ('rejected', 'closed', 'withdrawn') THEN created + interval '30 days' END,
            'zh-hans'
        FROM (
            SELECT n, s, gi, state, created,
                {title} || CASE WHEN s <> n THEN '（再次反映）' ELSE '' END AS title,
                {opening} || {middle} || '涉及金额' || (100 + floor(pg_temp.brand(s, 'a') * 9900)::int)
                    || '元，' || {ending} || '。' AS description,
                CASE WHEN pg_temp.brand(s, 'hp') < 0.7
                     THEN floor(power(pg_temp.brand(s, 'p'), 2) * {PLACES})::int END AS k,
                floor({PHONES} * power(pg_temp.brand(s, 'c'), 1.5))::int AS ci,
                CASE WHEN pg_temp.brand(s, 'rf') < 0.3
                     THEN floor({FREQUENT} * power(pg_temp.brand(s, 'r'), 3))::int
                     ELSE floor({PHONES} * pg_temp.brand(s, 'r2'))::int END AS ri0
            FROM (
                SELECT n, s, 1 + floor(pg_temp.brand(s, 'g') * {ngrid})::int AS gi,
                    CASE {case} ELSE 'closed' END AS state,
                    now() - (%(total)s - n) * interval '90 seconds' AS created
                FROM (
                    SELECT n, CASE WHEN n > 1000 AND pg_temp.brand(n, 'dup') < 0.03
                                   THEN n - 1 - floor(pg_temp.brand(n, 'back') * 1000)::int ELSE n END AS s
                    FROM generate_series(1, %(total)s) AS n
                ) AS seeds
            ) AS base
        ) AS d
        LEFT JOIN bench_places bp ON bp.gi = d.gi AND bp.k = d.k
        JOIN bench_phones cp ON cp.n = d.ci
        JOIN bench_phones rp ON rp.n = CASE WHEN d.ri0 = d.ci THEN (d.ri0 + 1) %% {PHONES} ELSE d.ri0 END
        """,
        {
            "categories": categories,
            "ncat": len(categories),
            "filer": filer,
            "mark": MARK,
            "total": total,
            "grids": grids,
            "base": base,
        },  # fmt: skip
    )


def sample(viewer: str, size: int, seed: int = 16) -> list[tuple[int, str]]:
    """(dispute id, username) pairs: disputes the viewer sees; "grid worker" spreads the sample
    over the 20 grid workers, each looking at disputes of their own grid."""
    from accounts import roles
    from accounts.models import User
    from disputes.models import Dispute

    rng = random.Random(seed)
    users = (
        list(User.objects.filter(username__startswith="rb_grid"))
        if viewer == "grid worker"
        else [User.objects.get(username=viewer)]
    )
    pairs = []
    for user in users:
        ids = list(Dispute.objects.filter(grid_id__in=roles.staff_grids(user)).values_list("pk", flat=True))
        pairs += [(pk, user.username) for pk in rng.sample(ids, min(len(ids), size // len(users) + 1))]
    rng.shuffle(pairs)
    return pairs[:size]


def measure(size: int, users: list[str], warmup: int) -> list[dict]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from disputes import related
    from disputes.models import Dispute

    rows = []
    for who in users:
        service_ms, api_ms, queries, api_queries, found, reasons = [], [], Counter(), Counter(), [], Counter()
        clients, people = {}, {}
        for n, (pk, username) in enumerate(sample(who, size)):
            if username not in people:
                people[username] = User.objects.get(username=username)
                token, _ = Token.objects.get_or_create(user=people[username])
                clients[username] = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
            user = people[username]
            dispute = Dispute.objects.select_related("grid", "place").get(pk=pk)
            if n < warmup:
                related.related_to(dispute, user)
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                items = related.related_to(dispute, user)
                service_ms.append((time.perf_counter() - start) * 1000)
            queries[len(captured)] += 1
            found.append(len(items))
            reasons.update(r.kind for item in items for r in item.reasons)
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = clients[username].get(f"/api/v1/disputes/{pk}/related/")
                api_ms.append((time.perf_counter() - start) * 1000)
            api_queries[len(captured)] += 1
            if response.status_code != 200:
                sys.exit(
                    f"GET related of {pk} as {username}: {response.status_code} {response.content[:200]!r}"
                )
        rows.append(
            {
                "who": who, "service": figures(service_ms), "api": figures(api_ms), "queries": dict(queries),
                "api_queries": dict(api_queries), "found": statistics.mean(found), "most": max(found),
                "reasons": dict(reasons),
            }
        )  # fmt: skip
        r = rows[-1]
        print(
            f"  {who:12} service p50 {r['service'][0]:6.1f} p95 {r['service'][1]:6.1f} ms | "
            f"API p50 {r['api'][0]:6.1f} p95 {r['api'][1]:6.1f} ms | queries {r['queries']} API {r['api_queries']} | "
            f"found {r['found']:.1f} (max {r['most']}) {r['reasons']}",
            flush=True,
        )
    return rows


def figures(timings: list[float]) -> tuple[float, float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[max(0, round(0.95 * len(timings)) - 1)], timings[-1]


def explain() -> None:
    """The plan of the text search (the list's costliest query) for one dispute, as the district handler."""
    from accounts.models import User
    from disputes import related
    from disputes.models import Dispute

    user = User.objects.get(username="rb_district")
    dispute = Dispute.objects.get(pk=sample("rb_district", 1)[0][0])
    candidates = related._scope(dispute, user).filter(grid_id=dispute.grid_id).order_by("-pk")
    text = related.text_of(dispute.title, dispute.description)
    print(related.trigram_query(candidates, text).explain(analyze=True, buffers=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=200, help="disputes timed per viewer (200)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed calls first (5)")
    parser.add_argument("--total", type=int, default=TOTAL, help=f"disputes to load ({TOTAL:,})")
    parser.add_argument("--explain", action="store_true", help="print the text search's plan for one dispute")
    parser.add_argument(
        "--viewers", default="grid worker,rb_street,rb_district", help="who looks (all three by default)"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    ensure_database(url)
    setup_django(url)
    load(args.total)
    from django.conf import settings

    settings.DEBUG = False
    from disputes.models import Dispute

    print(f"\n{Dispute.objects.count():,} disputes; {args.sample} sampled disputes per viewer, in process")
    print("(service call, then GET /api/v1/disputes/{id}/related/ through django.test.Client):")
    rows = measure(args.sample, [v.strip() for v in args.viewers.split(",") if v.strip()], args.warmup)
    worst = max(max(r["service"][1], r["api"][1]) for r in rows)
    verdict = "meets" if worst <= TARGET_P95_MS else "MISSES"
    print(f"\nWorst p95 {worst:.1f} ms: {verdict} the {TARGET_P95_MS:.0f} ms target.")
    print("Load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    if args.explain:
        explain()


if __name__ == "__main__":
    main()
