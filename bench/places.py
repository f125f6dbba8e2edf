#!/usr/bin/env python
"""How fast is the place search at city scale? GET /api/v1/places/?q= (docs/features/places.md).

Loads a city into its own PostgreSQL database (created if missing; loaded once, skipped when
present): 10 districts, 200 streets, 2,000 communities, 10,000 grids and 500,000 addresses
(estates, their buildings and street numbers, 50 per grid) with real-looking names. Regions go
in level by level with bulk_create, places with COPY; the search keys come from
accounts.pinyin as Place.save would make them. Then times typical queries as one types (2-4
Chinese characters as prefixes and substrings, full pinyin prefixes, initials, English) in
process through Django's test Client, anonymous like the filing page's first keystrokes: the
figures are the whole Django/DRF stack plus PostgreSQL, without the HTTP server.

    python bench/places.py                   # or: make bench-places
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tiaojie_places_bench python bench/places.py --requests 50
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lists import ensure_database  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tiaojie_places_bench"
DISTRICTS, STREETS_PER, COMMUNITIES_PER, GRIDS_PER = 10, 20, 10, 5  # 10 × 20 × 10 × 5 = 10,000 grids
ESTATES_PER_GRID, BUILDINGS_PER_ESTATE, NUMBERS_PER_GRID = 4, 10, 10  # 50 addresses per grid
TARGET_P95_MS = 50.0

CHARS = (
    "怡乐幸福阳光金色翠锦绣碧水绿城东方华天成南山北湖西溪景和平安康宁泰丰瑞祥云龙凤凰桃源梅竹兰松柏"
    "春秋明月星海江河新嘉禾紫荆清雅御景盛世名门百合香樟丽都君悦"
)
SUFFIXES = ["花园", "小区", "公寓", "新村", "家园", "苑", "大厦", "府", "名苑", "雅居", "广场", "新城"]
ROAD_SUFFIXES = ["路", "街", "大道", "巷"]
QUERIES = {
    "chinese prefix": ["怡乐", "幸福家", "锦绣花园", "碧水"],
    "chinese substring": ["花园", "乐花园", "新村3", "家园"],
    "one character": ["怡", "锦"],
    "pinyin prefix": ["yile", "xingfu", "jinxiuhua", "bishui"],
    "initials": ["ylhy", "xfjy", "jxhy", "bs"],
    "english": ["yile garden", "block"],
}


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TIAOJIE_CELERY_EAGER", "1")
    os.environ["TIAOJIE_PLACES_RATE"] = "100000000/min"  # the bench is one client
    import django

    django.setup()


def _level(kind: str, parents: list, per: int, names, rng) -> list:
    """bulk_create `per` regions of `kind` under each parent, then set their paths."""
    from accounts import pinyin
    from accounts.models import Region

    rows = []
    for parent in parents:
        for i in range(per):
            name, name_en = names(i, parent, rng)
            region = Region(kind=kind, parent=parent, name=name, name_en=name_en, path="")
            pinyin.fill(region)
            rows.append(region)
    Region.objects.bulk_create(rows, batch_size=5000)
    for region in rows:
        region.path = f"{region.parent.path if region.parent else '/'}{region.pk}/"
    Region.objects.bulk_update(rows, ["path"], batch_size=5000)
    return rows


def load() -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts import pinyin
    from accounts.models import Place, Region

    call_command("migrate", verbosity=0)
    grids = Region.objects.filter(kind=Region.Kind.GRID).count()
    places = Place.objects.count()
    if grids >= DISTRICTS * STREETS_PER * COMMUNITIES_PER * GRIDS_PER and places >= 500_000:
        print(f"Bench data present: {grids:,} grids, {places:,} places.")
        return
    if grids or places:
        sys.exit(
            "A partial load is in the bench database: drop it (dropdb tiaojie_places_bench) and run again."
        )
    rng = random.Random(16)
    started = time.perf_counter()

    def word(rng) -> str:
        return rng.choice(CHARS) + rng.choice(CHARS)

    with transaction.atomic():
        districts = _level(
            "district", [None], DISTRICTS, lambda i, p, r: (f"{word(r)}区", f"District {i + 1}"), rng
        )
        streets = _level(
            "street",
            districts,
            STREETS_PER,
            lambda i, p, r: (f"{word(r)}街道", f"Street {p.pk}-{i + 1}"),
            rng,
        )
        communities = _level(
            "community", streets, COMMUNITIES_PER, lambda i, p, r: (f"{word(r)}社区", ""), rng
        )
        grids = _level("grid", communities, GRIDS_PER, lambda i, p, r: (f"{p.name[:-2]}{i + 1}网格", ""), rng)
        print(f"Regions: {Region.objects.count():,} in {time.perf_counter() - started:.1f} s", flush=True)
        keys_cache: dict[str, tuple[str, str]] = {}

        def keys(part: str) -> tuple[str, str]:
            if part not in keys_cache:
                keys_cache[part] = pinyin.keys(part)
            return keys_cache[part]

        def row(grid_id: int, parts: list[str], name_en: str) -> tuple:
            name = "".join(parts)
            full = "".join(keys(p)[0] for p in parts)
            initials = "".join(keys(p)[1] for p in parts)
            return (grid_id, name, name_en, full[:600], initials[:200], pinyin.grams(name))

        with connection.cursor() as cursor:
            with cursor.copy(
                "COPY accounts_place (grid_id, name, name_en, pinyin, initials, grams) FROM STDIN"
            ) as copy:
                for grid in grids:
                    for _e in range(ESTATES_PER_GRID):
                        estate = [word(rng), rng.choice(SUFFIXES)]
                        english = rng.random() < 0.1
                        estate_en = f"{keys(estate[0])[0].title()} Garden" if english else ""
                        copy.write_row(row(grid.pk, estate, estate_en))
                        for b in range(1, BUILDINGS_PER_ESTATE):
                            en = f"{estate_en} Block {b}" if english else ""
                            copy.write_row(row(grid.pk, [*estate, f"{b}幢"], en))
                    road = [word(rng), rng.choice(ROAD_SUFFIXES)]
                    for _n in range(NUMBERS_PER_GRID):
                        copy.write_row(row(grid.pk, [*road, f"{rng.randint(1, 400)}号"], ""))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE accounts_place")
        cursor.execute("VACUUM ANALYZE accounts_region")
    print(f"Loaded {Place.objects.count():,} places in {time.perf_counter() - started:.1f} s", flush=True)


def measure(requests: int) -> bool:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts import places

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    all_ms: list[float] = []
    print(f"\n{'query kind':<18} {'q':<12} {'hits':>4} {'queries':>7} {'median ms':>9} {'p95 ms':>7}")
    by_kind: dict[str, list[float]] = {}
    for kind, queries in QUERIES.items():
        for q in queries:
            for _ in range(3):  # warm
                client.get("/api/v1/places/", {"q": q})
            times = []
            for _ in range(requests):
                t = time.perf_counter()
                response = client.get("/api/v1/places/", {"q": q})
                times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, response.content
            with CaptureQueriesContext(connection) as queries_run:
                hits = len(places.suggest(q))
            all_ms += times
            by_kind.setdefault(kind, []).extend(times)
            print(
                f"{kind:<18} {q:<12} {hits:>4} {len(queries_run):>7} {statistics.median(times):>9.1f} "
                f"{p95(times):>7.1f}"
            )
    # The floor: the same stack answering a refused query (400 before any database work).
    logging.getLogger("django.request").setLevel(logging.ERROR)
    floor = []
    for _ in range(requests):
        t = time.perf_counter()
        client.get("/api/v1/places/", {"q": ""})
        floor.append((time.perf_counter() - t) * 1000)
    print(
        f"{'floor (400, no SQL)':<18} {'':<12} {'':>4} {'':>7} {statistics.median(floor):>9.1f} {p95(floor):>7.1f}"
    )
    print()
    for kind, times in by_kind.items():
        print(f"p95 {kind:<18} {p95(times):6.1f} ms")
    overall = p95(all_ms)
    verdict = "PASS" if overall <= TARGET_P95_MS else "FAIL"
    print(
        f"\nAll queries: {len(all_ms)} requests, median {statistics.median(all_ms):.1f} ms, p95 {overall:.1f} ms "
        f"(target ≤ {TARGET_P95_MS:.0f} ms): {verdict}"
    )
    print("In process (django.test.Client, anonymous), so no HTTP server time is included.")
    print(f"Load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.")
    return overall <= TARGET_P95_MS


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def explain() -> None:
    """The plans of the place queries for one query of each kind (what the indexes do)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts import places

    for q in ("怡乐", "花园", "ylhy", "yile"):
        with CaptureQueriesContext(connection) as ctx:
            places.suggest(q)
        print(f"\n-- q={q!r}")
        with connection.cursor() as cursor:
            for query in ctx.captured_queries:
                if "accounts_place" not in query["sql"]:
                    continue
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + query["sql"])
                lines = [r[0] for r in cursor.fetchall()]
                print(
                    "\n".join(
                        "   " + line
                        for line in lines
                        if "Index" in line or "Scan" in line or "Execution" in line
                    )
                )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=40, help="requests per query (default 40)")
    parser.add_argument("--explain", action="store_true", help="print the plans of the place queries")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    ensure_database(url)
    setup_django(url)
    load()
    if args.explain:
        explain()
    ok = measure(args.requests)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
