"""Settlement agreement cost: render + all four signatures, verification, judicial application.

Usage: python bench/settlement.py [--rounds 20]
Runs on a throwaway SQLite database and PKI in a temporary folder. Each round renders the
agreement (WeasyPrint), adds the claimant's, respondent's and mediator's PAdES B-T signatures
(each with a fresh event key and certificate) and the committee seal, as the `sign` transitions
do; then verifies the result with pyHanko (what POST /api/v1/verify/ runs). The goal
(docs/features/settlements.md) is under 2 s and 0.3 s median. Then the joint application for
judicial confirmation: render (uncached) + both applicants' signatures, as judicial.sign does. Results go to
bench/results/settlement.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="tiaojie-bench-settlement-"))
os.environ.pop("DATABASE_URL", None)  # the embedded SQLite default (PostgreSQL options break SQLite)
os.environ["TIAOJIE_SQLITE_PATH"] = str(WORK / "bench.sqlite3")
os.environ["TIAOJIE_PKI_DIR"] = str(WORK / "pki")
os.environ["TIAOJIE_VAR_DIR"] = str(WORK)  # its own SoftHSM token and PINs (config/settings.py)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    from bench import signing_world

    signing_world.start(WORK)
    from django.template.loader import render_to_string

    from disputes import services
    from mediation.settlements import agreements as settlements
    from mediation.settlements import judicial, pdf, pki, signing
    from tests import factories

    world = signing_world.World()
    claimant, respondent, mediator = world.claimant, world.respondent, world.mediator
    dispute = world.proposed()
    settlement = settlements.current(dispute)
    pki.chain()  # the token's hierarchy, made before timing
    signers = signing_world.SIGNERS

    def render_and_sign() -> bytes:
        document = pdf.render_settlement(settlement, draft=False)
        for index, (name, role) in enumerate(signers, start=1):
            identity = pki.event_signer(name, role)
            document = signing.sign(
                document, identity, field=f"Signature{index}_{role}", name=name, reason=role
            ).pdf
        seal = pki.seal_signer()
        return signing.sign(
            document, seal, field=signing.SEAL_FIELD, name="委员会", reason="seal", seal=True
        ).pdf

    # A sealed agreement and a started judicial application, through the real services.
    sealed = world.proposed("司法确认")
    for user in (claimant, respondent, mediator):
        services.fire(sealed.pk, "sign", by=user, payload={"agree": True, "code": factories.sign_code(user)})
    sealed.refresh_from_db()
    application = judicial.start(sealed, claimant)

    def judicial_application() -> bytes:
        html = render_to_string("mediation/settlements/judicial.html", pdf.judicial_context(application))
        document = pdf.render_html(html)
        for index, (name, role) in enumerate(signers[:2], start=1):
            identity = pki.event_signer(name, role)
            document = signing.sign(
                document, identity, field=f"Applicant{index}_{role}", name=name, reason=role
            ).pdf
        return document

    render_and_sign()  # warm-up: fonts, WeasyPrint and pyHanko imports
    judicial_application()
    # Wall time, and this process's CPU time (what the work costs when the machine is shared).
    sign_times, sign_cpu, verify_times = [], [], []
    for _ in range(args.rounds):
        start, cpu = time.perf_counter(), time.process_time()
        document = render_and_sign()
        sign_times.append(time.perf_counter() - start)
        sign_cpu.append(time.process_time() - cpu)
        start = time.perf_counter()
        result = signing.verify(document)
        verify_times.append(time.perf_counter() - start)
        assert result["valid"], result
    judicial_times, judicial_cpu = [], []
    for _ in range(args.rounds):
        start, cpu = time.perf_counter(), time.process_time()
        judicial_application()
        judicial_times.append(time.perf_counter() - start)
        judicial_cpu.append(time.process_time() - cpu)
    # The sign transition end to end: how long the dispute row stays locked (from the resolver,
    # which runs right after the lock is taken, to the commit) against the whole call.
    from disputes import hooks

    resolve = hooks.RESOLVERS["sign"]
    locked_at: list[float] = []

    def timed_resolve(*a, **kw):
        locked_at.append(time.perf_counter())
        return resolve(*a, **kw)

    hooks.RESOLVERS["sign"] = timed_resolve
    lock_times, call_times = [], []
    for round_ in range(max(2, args.rounds // 4)):
        one = world.proposed(f"锁 {round_}")
        for user in (claimant, respondent, mediator):
            payload = {"agree": True, "code": factories.sign_code(user)}
            start = time.perf_counter()
            services.fire(one.pk, "sign", by=user, payload=payload)
            end = time.perf_counter()
            call_times.append(end - start)
            lock_times.append(end - locked_at[-1])
    hooks.RESOLVERS["sign"] = resolve
    results = {
        "rounds": args.rounds,
        "pdf_bytes": len(document),
        "render_and_four_signatures_s": {
            "median": statistics.median(sign_times), "p95": p95(sign_times), "max": max(sign_times),
            "cpu_median": statistics.median(sign_cpu),
        },
        "verification_s": {
            "median": statistics.median(verify_times), "p95": p95(verify_times), "max": max(verify_times),
        },
        "sign_transition_s": {
            "median": statistics.median(call_times), "p95": p95(call_times),
            "row_locked_median": statistics.median(lock_times), "row_locked_p95": p95(lock_times),
        },
        "judicial_render_and_two_signatures_s": {
            "median": statistics.median(judicial_times), "p95": p95(judicial_times), "max": max(judicial_times),
            "cpu_median": statistics.median(judicial_cpu),
        },
    }  # fmt: skip
    out = ROOT / "bench" / "results" / "settlement.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
