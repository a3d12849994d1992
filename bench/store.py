"""Results-store figures: record_answer latency and throughput with concurrent chats, on a
temporary SQLite file and (when it answers) a fresh schema in PostgreSQL at 127.0.0.1:5432.
Every answer is sent twice, from two threads at once, as two Rasa replicas might; the check
at the end counts the rows: each answer must be stored exactly once.

    .venv/bin/python bench/store.py [--trainees 40] [--threads 8]
"""
import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bot import store as store_module  # noqa: E402
from bot.store import Store, migrate  # noqa: E402
from bot.tasks import load_tasks  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def run(url, trainees, threads):
    migrate(url)
    store = Store(url)
    bank = {t.id: t for t in load_tasks()}
    code = store.create_assignment("Store benchmark", topics=["roles"], length=10, attempts_allowed=1)
    attempts = [store.start_or_resume_attempt(code, f"Bench trainee {n}") for n in range(trainees)]
    jobs = [(a.attempt_id, item_id) for a in attempts for item_id in a.item_ids]
    latencies, outcomes, lock = [], [], threading.Lock()

    def worker(chunk):
        for attempt_id, item_id in chunk:
            start = time.perf_counter()
            fresh = store.record_answer(attempt_id, item_id, "in_role", bank[item_id].verdict,
                                        bank[item_id].verdict == "in_role")
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                outcomes.append(fresh)

    # Each job appears in two threads' lists: the same answer from two replicas at about the same time.
    half = max(1, threads // 2)
    chunks = [jobs[i::half] for i in range(half)] * 2
    workers = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    began = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - began

    rows = len(store.report(code)["answers"])
    q = statistics.quantiles(latencies, n=100)
    print(f"  {len(latencies)} record_answer calls from {len(workers)} threads in {wall:.2f} s "
          f"({len(latencies) / wall:.0f}/s); latency p50 {q[49] * 1000:.1f} ms, p95 {q[94] * 1000:.1f} ms, "
          f"p99 {q[98] * 1000:.1f} ms")
    print(f"  answers {len(jobs)}, stored {outcomes.count(True)} (True), refused duplicates "
          f"{outcomes.count(False)}, rows in store {rows}: "
          + ("OK, each exactly once" if rows == outcomes.count(True) == len(jobs) else "MISMATCH"))
    return rows == len(jobs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=40)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite (temp file, WAL)")
        ok &= run(f"sqlite:///{tmp}/bench.db", args.trainees, args.threads)

    admin = create_engine(PG_URL, future=True, connect_args={"connect_timeout": 3})
    try:
        with admin.connect():
            pass
    except Exception as error:  # no server: report and skip
        print(f"PostgreSQL: skipped, no server at {PG_URL} ({str(error).strip().splitlines()[0]})")
        return 0 if ok else 1
    schema = f"store_bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        print(f"PostgreSQL ({PG_URL}, schema {schema})")
        ok &= run(url, args.trainees, args.threads)
    finally:
        store_module._engines.pop((url, os.getpid())).dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
