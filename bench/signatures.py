"""Signer-held keys against event keys: what the server spends on a settlement's signatures.

Usage: python bench/signatures.py [--rounds 20] [--transitions 4]
Runs on a throwaway SQLite database and PKI in a temporary folder (docs/features/held-keys.md).

Each round renders the agreement (WeasyPrint) and adds four signatures, both ways, in turn:
- event: today's fallback, each signer's signature under a fresh server-made key and event
  certificate (pki.event_signer + signing.sign), then the committee seal;
- held: per signer, what the server does for a key the signer holds: certify the public key,
  prepare the placeholder, digest and signed attributes (held.prepare's pyHanko part), check
  the signature value, finish the CMS with its timestamp and embed it (held.complete's part),
  then the seal. Python keys stand in for the browsers and their signing is not counted.
Both results are verified (signing.verify). Then, with --transitions, whole sign transitions
through the services (SMS code, database, file storage) for each way. Goal: held within
1.5x of event. Results go to bench/results/signatures.json.
"""

from __future__ import annotations

import argparse
import base64
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
WORK = Path(tempfile.mkdtemp(prefix="tiaojie-bench-signatures-"))
os.environ.pop("DATABASE_URL", None)  # the embedded SQLite default, under TIAOJIE_VAR_DIR
os.environ["TIAOJIE_PKI_DIR"] = str(WORK / "pki")
os.environ["TIAOJIE_VAR_DIR"] = str(WORK)  # stored files, its own SoftHSM token and PINs (config/settings.py)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "p95": p95(values), "max": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--transitions", type=int, default=4, help="disputes signed through the services, each way"
    )
    args = parser.parse_args()

    from bench import signing_world

    signing_world.start(WORK)
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from disputes import services
    from mediation.settlements import agreements, held, pdf, pki, signing
    from tests import factories

    world = signing_world.World()
    users, proposed = world.users, world.proposed
    settlement = agreements.current(proposed("bench"))
    pki.chain()  # the token's hierarchy, made before timing
    # The browsers' keys: made once, as a browser keeps its key across signings.
    device_keys = {role: ec.generate_private_key(ec.SECP256R1()) for _name, role in signing_world.SIGNERS}

    def seal(document: bytes) -> bytes:
        return signing.sign(
            document, pki.seal_signer(), field=signing.SEAL_FIELD, name="委员会", reason="seal", seal=True
        ).pdf

    def event_round() -> bytes:
        document = pdf.render_settlement(settlement, draft=False)
        for index, (name, role) in enumerate(signing_world.SIGNERS, start=1):
            document = signing.sign(
                document,
                pki.event_signer(name, role),
                field=f"Signature{index}_{role}",
                name=name,
                reason=role,
            ).pdf
        return seal(document)

    def held_round() -> tuple[bytes, float]:
        """The document, and the seconds spent standing in for the browsers (not counted)."""
        from asn1crypto import keys as asn1_keys

        device = 0.0
        document = pdf.render_settlement(settlement, draft=False)
        for index, (name, role) in enumerate(signing_world.SIGNERS, start=1):
            key = device_keys[role]
            spki = key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            info = held.parse_public_key(base64.b64encode(spki).decode())
            assert isinstance(info, asn1_keys.PublicKeyInfo)
            certificate = held.issue_certificate(info, name=name, masked_id="", role=role, user=users[role])
            digest, attrs, output = held.digest_for_signing(
                document, certificate, field=f"Signature{index}_{role}", name=name, reason=role
            )
            start = time.perf_counter()
            value = key.sign(attrs, ec.ECDSA(hashes.SHA256()))  # the browser's part
            device += time.perf_counter() - start
            assert held.verify_signature(certificate, attrs, value)
            reserved = (digest.reserved_region_start, digest.reserved_region_end)
            document = held.finish(output, digest.document_digest, reserved, attrs, certificate, value)
        return seal(document), device

    event_round()  # warm-up: fonts, WeasyPrint and pyHanko imports
    held_round()
    times = {"event": [], "held": []}
    cpu = {"event": [], "held": []}
    verify = {"event": [], "held": []}
    for _ in range(args.rounds):  # interleaved, so both ways see the same machine
        for way in ("event", "held"):
            start, cpu_start = time.perf_counter(), time.process_time()
            if way == "event":
                document, device = event_round(), 0.0
            else:
                document, device = held_round()
            times[way].append(time.perf_counter() - start - device)
            cpu[way].append(time.process_time() - cpu_start - device)
            start = time.perf_counter()
            result = signing.verify(document)
            verify[way].append(time.perf_counter() - start)
            assert result["valid"], (way, result)

    # Whole sign transitions through the services: code check, database, stored file.
    transition = {"event": [], "held": []}
    for round_ in range(args.transitions):
        for way in ("event", "held"):
            dispute = proposed(f"{way} {round_}")
            for role in ("claimant", "respondent", "mediator"):
                user = users[role]
                code = factories.sign_code(user)
                start = time.perf_counter()
                if way == "event":
                    services.fire(dispute.pk, "sign", by=user, payload={"agree": True, "code": code})
                else:
                    key = device_keys[role]
                    spki = key.public_key().public_bytes(
                        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
                    )
                    dispute.refresh_from_db()
                    prepared = held.prepare(
                        dispute, user, code=code, public_key=base64.b64encode(spki).decode()
                    )
                    signed = time.perf_counter()
                    value = key.sign(prepared.to_be_signed, ec.ECDSA(hashes.SHA256()))
                    start += time.perf_counter() - signed  # the browser's part is not counted
                    payload = {
                        "agree": True, "signing_id": prepared.pending.pk,
                        "signature": base64.b64encode(value).decode(),
                    }  # fmt: skip
                    services.fire(dispute.pk, "sign", by=user, payload=payload)
                transition[way].append(time.perf_counter() - start)
            dispute.refresh_from_db()
            assert dispute.state == "settled", (way, dispute.state)

    results = {
        "rounds": args.rounds,
        "render_and_four_signatures_s": {
            way: {**summary(times[way]), "cpu_median": statistics.median(cpu[way])} for way in times
        },
        "verification_s": {way: summary(verify[way]) for way in verify},
        "sign_transition_s": {way: summary(transition[way]) for way in transition}
        if args.transitions
        else None,
    }
    ratio = {
        "render_and_four_signatures_median": statistics.median(times["held"])
        / statistics.median(times["event"]),
        "render_and_four_signatures_p95": p95(times["held"]) / p95(times["event"]),
        "verification_median": statistics.median(verify["held"]) / statistics.median(verify["event"]),
    }
    if args.transitions:
        ratio["sign_transition_median"] = statistics.median(transition["held"]) / statistics.median(
            transition["event"]
        )
    results["held_over_event"] = ratio
    results["goal"] = "held within 1.5x of event"
    results["goal_met"] = ratio["render_and_four_signatures_median"] <= 1.5
    out = ROOT / "bench" / "results" / "signatures.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for way in ("event", "held"):
        t, v = results["render_and_four_signatures_s"][way], results["verification_s"][way]
        print(f"{way:5}  render + 4 signatures median {t['median']:.3f} s  p95 {t['p95']:.3f} s"
              f"  | verify median {v['median']:.3f} s  p95 {v['p95']:.3f} s")  # fmt: skip
        if args.transitions:
            s = results["sign_transition_s"][way]
            print(f"{'':5}  sign transition median {s['median']:.3f} s  p95 {s['p95']:.3f} s")
    print("held / event: " + ", ".join(f"{k} {v:.2f}x" for k, v in ratio.items()))
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
