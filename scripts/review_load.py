"""Load check of the review app (not a timed test): many editors saving corrections to one session.

Starts the app with uvicorn on 127.0.0.1 over a session made from a hand-labelled plenary
(tests/data/plenaries, real tables stage), then N clients, each in its own thread with its own
HTTP connection, loop for D seconds: read the session's version, save a correction based on it.
A save either succeeds (201) or is refused because another client saved first (409).

Checks afterwards, from the corrections file: every 201 is in it exactly once (nothing lost,
nothing duplicated), nothing else is in it, ids and bases run 1..n without a gap, and every
response was 201 or 409. Prints the figures for docs/review.md.

    python scripts/review_load.py [--clients 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import Settings  # noqa: E402
from pipeline.review.app import create_app  # noqa: E402
from pipeline.review.records import read_corrections  # noqa: E402
from tests.test_review_api import SESSION_ID, SubmittedFolders, make_session  # noqa: E402


def editor(base_url: str, name: str, until: float, saved: list, statuses: Counter, latencies: list) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        sequence = 0
        while time.monotonic() < until:
            version = client.get(f"/api/sessions/{SESSION_ID}/corrections").json()["versione"]
            sequence += 1
            body = {"base": version, "by": name, "op": "replace", "find": f"{name}-{sequence}", "replace": "x"}
            started = time.perf_counter()
            response = client.post(f"/api/sessions/{SESSION_ID}/corrections", json=body)
            latencies.append(time.perf_counter() - started)
            statuses[response.status_code] += 1
            if response.status_code == 201:
                saved.append((name, f"{name}-{sequence}", response.json()["versione"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="verbali-load-") as work:
        settings = Settings(outputs_dir=Path(work) / "outputs", recordings_dir=Path(work) / "recordings")
        folder = make_session(settings.outputs_dir)
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings, processor=SubmittedFolders()), host="127.0.0.1", port=0,
                           log_level="warning")
        )  # fmt: skip
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base_url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"

        saved: list[tuple[str, str, int]] = []
        statuses: Counter = Counter()
        latencies: list[float] = []
        until = time.monotonic() + args.seconds
        editors = [
            threading.Thread(target=editor, args=(base_url, f"e{i:02d}", until, saved, statuses, latencies))
            for i in range(args.clients)
        ]
        started = time.monotonic()
        for thread_ in editors:
            thread_.start()
        for thread_ in editors:
            thread_.join()
        elapsed = time.monotonic() - started
        server.should_exit = True
        thread.join(timeout=10)

        records = read_corrections(folder)
        in_file = Counter((r.by, r.args["find"]) for r in records)
        answered = Counter((name, find) for name, find, _ in saved)
        lost = answered - in_file
        unexpected = in_file - answered
        duplicated = [key for key, count in in_file.items() if count > 1]
        ids_ok = [r.id for r in records] == list(range(1, len(records) + 1))
        bases_ok = [r.base for r in records] == list(range(len(records)))
        versions_ok = sorted(v for _, _, v in saved) == [r.id for r in records]
        other_statuses = {s: n for s, n in statuses.items() if s not in (201, 409)}

    total = sum(statuses.values())
    print(f"{args.clients} clients, {elapsed:.1f} s, {total} saves attempted ({total / elapsed:.0f}/s)")
    print(f"saved (201): {statuses[201]}, refused as stale (409): {statuses[409]}, other: {other_statuses or 0}")
    print(f"records in corrections.jsonl: {len(records)}; lost: {sum(lost.values())}, "
          f"unexpected: {sum(unexpected.values())}, duplicated: {len(duplicated)}")  # fmt: skip
    print(f"ids 1..n: {ids_ok}, bases 0..n-1: {bases_ok}, versions answered = ids: {versions_ok}")
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"save latency: median {1000 * statistics.median(latencies):.0f} ms, p95 {1000 * quantiles[94]:.0f} ms, "
          f"max {1000 * max(latencies):.0f} ms")  # fmt: skip
    ok = not lost and not unexpected and not duplicated and ids_ok and bases_ok and versions_ok and not other_statuses
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
