"""Load benchmark for the agency profile: simulated trainees take an assigned quiz over the
REST channel, first against one Rasa replica, then against two replicas alternating per
message; prints latency percentiles, throughput and errors, then checks the results store:
every answer a trainee gave recorded exactly once.

    .venv/bin/python bench/load.py                 # 100 trainees; starts serve_agency.sh itself on
                                                   # ports 5305, 5306 (actions 5355) when none answer
    .venv/bin/python bench/load.py --start never --urls http://127.0.0.1:5005,http://127.0.0.1:5006
                                                   # against a running `make serve-agency`

    .venv/bin/python bench/load.py --think 5,20    # realistic: each trainee reads and thinks 5-20 s
                                                   # before every message (open loop)
    .venv/bin/python bench/load.py --think 5,20 --capacity 50,100,150,200
                                                   # largest class whose p95 stays under 1 s, per mode

Each trainee: types the quiz code, a unique name, then answers `--turns` scenarios ("in role",
"out of role", "it depends"), asking `--questions` FAQ questions in between. Without --think
they answer the instant a reply arrives (the stress test). A "busy" reply (HTTP 503 from the
input guard's in-flight bound) is sent again after its Retry-After; latency is what the
trainee waited in all, busy replies are counted apart. Loopback only;
the request count and the run time are bounded (--max-seconds). A benchmark, not a test: it
exits 0 after printing unless --strict (then errors, lost or duplicated answers exit 1), and
skips with a message when PostgreSQL or Redis is not there.
"""
import argparse
import asyncio
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/test"
ANSWERS = {"in role": "in_role", "out of role": "out_of_role", "it depends": "depends"}
QUESTIONS = ["what are the peer support values?", "what is mutuality?", "what can you do?"]
BUSY_RETRIES = 10
SCENARIO = re.compile(r"Scenario (\d+) of (\d+)")
ALREADY = "already answered this one"


FIRST = ["Alex", "Maria", "James", "Aisha", "Chen", "Fatima", "Jordan", "Priya", "Diego", "Grace", "Omar",
         "Hannah", "Kwame", "Sofia", "Liam", "Mei", "Noah", "Amara", "Lucas", "Elena", "Tariq", "Rosa",
         "Samuel", "Ingrid", "Dmitri"]
LAST = ["Garcia", "Okafor", "Nguyen", "Smith", "Haddad", "Kowalski", "Johnson", "Patel", "Rossi", "Kim",
        "Mensah", "Silva", "Larsen", "Cohen", "Murphy", "Tanaka", "Brown", "Novak", "Ortiz", "Singh",
        "Fischer", "Moreau", "Adeyemi", "Walsh", "Yilmaz"]


def person_name(index: int) -> str:
    """A realistic, distinct name for trainee `index` (names may not contain digits)."""
    first, last = FIRST[index % len(FIRST)], LAST[(index // len(FIRST)) % len(LAST)]
    middle = "" if index < len(FIRST) * len(LAST) else " " + FIRST[index // (len(FIRST) * len(LAST))]
    return f"{first}{middle} {last}"


class Trainee:
    def __init__(self, index, run_tag, turns, questions, rng):
        self.sender = f"load-{run_tag}-{index}"
        self.name = person_name(index)  # unique within the run's own assignment
        self.turns = turns
        self.question_after = set(round((k + 1) * turns / (questions + 1)) for k in range(questions))
        self.answers = [rng.choice(list(ANSWERS)) for _ in range(turns)]
        self.acknowledged = 0     # answers the assistant graded (it showed the next scenario or summary)
        self.already_notes = 0    # "you had already answered this one" replies
        self.problems = []        # unexpected replies, by step
        self.rng = random.Random(f"{run_tag}-{index}")


class Stats:
    def __init__(self):
        self.latencies = []
        self.by_kind = {}  # "code" | "name" | "answer" | "question" -> [seconds]
        self.http_errors = 0
        self.timeouts = 0
        self.empty = 0
        self.busy = 0             # "busy, send again" replies (re-sent; not errors)
        self.unexpected = 0
        self.examples = []

    def problem(self, kind, text):
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples) < 8:
            self.examples.append(f"{kind}: {text[:200]}")


async def send(session, url, sender, text, stats, timeout, kind):
    start = time.perf_counter()
    try:
        for attempt in range(BUSY_RETRIES + 1):
            async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                    timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                body = await response.json(content_type=None)
                if response.status == 503 and "Retry-After" in response.headers and attempt < BUSY_RETRIES:
                    stats.busy += 1
                    await asyncio.sleep(float(response.headers["Retry-After"]))
                    continue
                break
        stats.latencies.append(time.perf_counter() - start)
        stats.by_kind.setdefault(kind, []).append(time.perf_counter() - start)
        if response.status != 200:
            stats.problem("http_errors", f"{response.status} for {text!r}: {body}")
            return None
    except asyncio.TimeoutError:
        stats.problem("timeouts", f"no reply within {timeout}s to {text!r}")
        return None
    except (aiohttp.ClientError, ValueError) as error:
        stats.problem("http_errors", f"{type(error).__name__} for {text!r}: {error}")
        return None
    reply = "\n".join(m.get("text") or "" for m in body if isinstance(m, dict))
    if not reply.strip():
        stats.problem("empty", f"no text in reply to {text!r}")
    return reply


async def take_quiz(session, trainee, code, urls, stats, timeout, start_delay, think=None):
    await asyncio.sleep(start_delay)
    step = 0

    async def say(text, kind):
        nonlocal step
        if think and step:
            await asyncio.sleep(trainee.rng.uniform(*think))  # reading the reply, thinking
        url = urls[step % len(urls)]  # two replicas: alternate on every message
        step += 1
        return await send(session, url, trainee.sender, text, stats, timeout, kind)

    reply = await say(f"my quiz code is {code}", "code")
    if reply is None:
        return
    if "what name" not in reply.lower():
        trainee.problems.append(f"after the code: {reply[:160]!r}")
    reply = await say(trainee.name, "name")
    if reply is None:
        return
    if not SCENARIO.search(reply):
        trainee.problems.append(f"after the name {trainee.name!r}: {reply[:160]!r}")
        return
    for k, answer in enumerate(trainee.answers):
        reply = await say(answer, "answer")
        if reply is None:
            return
        trainee.already_notes += ALREADY in reply
        shown = [int(n) for n, _ in SCENARIO.findall(reply)]
        if (k + 1 < trainee.turns and k + 2 in shown) or (k + 1 == trainee.turns and "right" in reply.lower()):
            trainee.acknowledged += 1
        else:
            trainee.problems.append(f"answer {k + 1} ({answer!r}): {reply[:160]!r}")
            return
        if k + 1 in trainee.question_after and k + 1 < trainee.turns:
            await say(random.choice(QUESTIONS), "question")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def check_store(store, code, trainees):
    """(expected, recorded, lost, duplicated, wrong) from the trainer's report of `code`."""
    report = store.report(code)
    rows = {}
    for row in report["answers"]:
        rows.setdefault(row["trainee"], []).append(row)
    attempts = {}
    for row in report["attempts"]:
        attempts[row["trainee"]] = attempts.get(row["trainee"], 0) + 1
    expected = recorded = lost = duplicated = wrong = 0
    items = None
    for t in trainees:
        given = rows.get(t.name, [])
        recorded += len(given)
        expected += t.acknowledged
        per_item = {}
        for row in given:
            per_item.setdefault(row["item_id"], []).append(row)
        duplicated += sum(len(v) - 1 for v in per_item.values()) + max(0, attempts.get(t.name, 0) - 1)
        lost += max(0, t.acknowledged - len(per_item))
        if items is None:
            items = report["assignment"]
        # answers are stored in the order given; the k-th stored answer is the k-th we sent
        ordered = sorted(given, key=lambda r: r["answered_at"])
        for k, row in enumerate(ordered[:t.acknowledged]):
            if row["answer"] != ANSWERS[t.answers[k]]:
                wrong += 1
    return expected, recorded, lost, duplicated, wrong


async def warm_up(urls, store, run_tag):
    """One untimed trainee per replica first: the first messages load models and connections."""
    code = store.create_assignment(f"Load benchmark warm-up {run_tag}", length=2, attempts_allowed=0)
    async with aiohttp.ClientSession() as session:
        for n, url in enumerate(urls):
            trainee = Trainee(n, run_tag, 2, 1, random.Random(n))
            trainee.sender += "-warm-up"
            await take_quiz(session, trainee, code, [url], Stats(), 300, 0)


async def run_mode(label, urls, args, store, run_tag):
    code = store.create_assignment(f"Load benchmark {run_tag} ({label})", length=args.turns, attempts_allowed=1)
    rng = random.Random(run_tag)
    trainees = [Trainee(i, run_tag, args.turns, args.questions, rng) for i in range(args.trainees)]
    stats = Stats()
    connector = aiohttp.TCPConnector(limit=0)
    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.ensure_future(take_quiz(session, t, code, urls, stats, args.timeout,
                                                 start_delay=args.ramp * i / max(1, args.trainees),
                                                 think=args.think))
                 for i, t in enumerate(trainees)]
        done, pending = await asyncio.wait(tasks, timeout=args.max_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    wall = time.perf_counter() - started
    crashed = [t.exception() for t in done if t.exception()]

    expected, recorded, lost, duplicated, wrong = check_store(store, code, trainees)
    unfinished = sum(t.acknowledged < t.turns for t in trainees)
    flow_problems = [p for t in trainees for p in t.problems]
    errors = stats.http_errors + stats.timeouts + stats.empty + len(flow_problems) + len(crashed) + len(pending)
    ms = [x * 1000 for x in stats.latencies]
    print(f"== {label}: {', '.join(urls)}")
    print(f"   {args.trainees} trainees x ({args.turns} answers + {args.questions} questions + code + name), "
          f"assignment {code}")
    print(f"   requests {len(ms)}  wall {wall:.1f} s  throughput {len(ms) / wall:.1f} msg/s")
    if ms:
        print(f"   latency ms  p50 {percentile(ms, 50):.0f}  p95 {percentile(ms, 95):.0f}  "
              f"p99 {percentile(ms, 99):.0f}  max {max(ms):.0f}  mean {statistics.mean(ms):.0f}")
        for kind in ("code", "name", "answer", "question"):
            values = [x * 1000 for x in stats.by_kind.get(kind, [])]
            if values:
                print(f"      {kind:9s} n={len(values):4d}  p50 {percentile(values, 50):.0f}  "
                      f"p95 {percentile(values, 95):.0f}  p99 {percentile(values, 99):.0f}")
    print(f"   busy replies re-sent {stats.busy}")
    print(f"   errors {errors}  (http {stats.http_errors}, timeouts {stats.timeouts}, empty replies {stats.empty}, "
          f"unexpected replies {len(flow_problems)}, cut off by --max-seconds {len(pending)}, "
          f"client crashes {len(crashed)}); trainees not finished {unfinished}")
    print(f"   results store: answers acknowledged {expected}, recorded {recorded}, lost {lost}, "
          f"duplicated {duplicated}, recorded differently {wrong}; 'already answered' notes "
          f"{sum(t.already_notes for t in trainees)}")
    for example in (stats.examples + flow_problems + [repr(c) for c in crashed])[:8]:
        print(f"   e.g. {example}")
    ok = errors == 0 and lost == 0 and duplicated == 0 and wrong == 0 and recorded == expected == \
        args.trainees * args.turns
    return ok, (percentile(ms, 95) if ms else float("inf"))


def services_missing():
    """None, or why PostgreSQL (DATABASE_URL) or Redis (REDIS_HOST/PORT) can't be used."""
    import redis
    from sqlalchemy import create_engine, text

    try:
        with create_engine(os.environ["DATABASE_URL"], connect_args={"connect_timeout": 5}).connect() as conn:
            conn.execute(text("SELECT 1"))
        redis.Redis(host=os.environ.get("REDIS_HOST", "127.0.0.1"), port=int(os.environ.get("REDIS_PORT", 6379)),
                    socket_connect_timeout=5).ping()
    except Exception as error:
        return f"PostgreSQL or Redis is not reachable ({str(error).splitlines()[0]})"
    return None


def reachable(url):
    try:
        urllib.request.urlopen(url + "/", timeout=2)
        return True
    except OSError:
        return False


def start_servers(urls):
    ports = " ".join(str(urlparse(u).port) for u in urls)
    print(f"==> no server at {', '.join(urls)}: starting scripts/serve_agency.sh (RASA_PORTS='{ports}')", flush=True)
    log = open(ROOT / "var" / "bench-serve-agency.log", "w")
    env = dict(os.environ, RASA_PORTS=ports)
    env.setdefault("ACTION_PORT", "5355")  # not 5055: keep clear of `make serve`
    process = subprocess.Popen(["bash", "scripts/serve_agency.sh"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                               env=env, start_new_session=True)
    deadline = time.time() + 600
    while not all(reachable(u) for u in urls):
        if process.poll() is not None or time.time() > deadline:
            stop_servers(process)
            sys.exit(f"error: the servers did not start; see var/bench-serve-agency.log and var/rasa-*.out")
        time.sleep(2)
    return process


def stop_servers(process):
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)  # serve_agency.sh's trap stops its servers
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trainees", type=int, default=100, help="concurrent trainees (default 100)")
    parser.add_argument("--turns", type=int, default=10, help="quiz answers per trainee (default 10)")
    parser.add_argument("--questions", type=int, default=2, help="FAQ questions in between (default 2)")
    parser.add_argument("--urls", default="http://127.0.0.1:5305,http://127.0.0.1:5306")
    parser.add_argument("--modes", default="one,two", help="one: all to the first URL; two: alternate")
    parser.add_argument("--start", choices=["auto", "never"], default="auto",
                        help="auto: start serve_agency.sh when no server answers (default)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per request")
    parser.add_argument("--ramp", type=float, default=5, help="seconds over which trainees join")
    parser.add_argument("--max-seconds", type=float, default=900, help="cap per mode")
    parser.add_argument("--strict", action="store_true", help="exit 1 on any error, lost or duplicated answer")
    parser.add_argument("--think", default="", help="MIN,MAX seconds each trainee waits before each message "
                                                    "(open loop, e.g. 5,20); default none (stress test)")
    parser.add_argument("--capacity", default="", help="class sizes to try, e.g. 50,100,150,200: reports the "
                                                       "largest whose p95 stays under 1 s, per mode")
    args = parser.parse_args(argv)
    args.think = tuple(float(x) for x in args.think.split(",")) if args.think else None
    if args.think and (len(args.think) != 2 or not 0 <= args.think[0] <= args.think[1] <= 120):
        parser.error("--think takes MIN,MAX seconds, 0 <= MIN <= MAX <= 120")
    sizes = [int(x) for x in args.capacity.split(",")] if args.capacity else [args.trainees]
    if not all(1 <= n <= 1000 for n in sizes) or not 1 <= args.turns <= 20:
        parser.error("--trainees must be 1..1000 and --turns 1..20")
    urls = [u.rstrip("/") for u in args.urls.split(",") if u.strip()]
    for url in urls:
        if urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            parser.error(f"{url}: this benchmark only talks to servers on this machine")

    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    from bot.store import Store, safe_url

    missing = services_missing()
    if missing:
        print(f"load benchmark skipped: {missing}")
        return 0

    process = None
    if not all(reachable(u) for u in urls):
        if args.start == "never":
            sys.exit(f"error: no server at {', '.join(urls)}; run `make serve-agency` first")
        process = start_servers(urls)
    try:
        store = Store()
        print(f"results store {safe_url(store.url)}")
        run_tag = int(time.time()) % 10_000_000
        asyncio.run(warm_up(urls, store, run_tag))
        ok = True
        capacity = {}
        for n, mode in enumerate(m.strip() for m in args.modes.split(",")):
            targets = urls[:1] if mode == "one" else urls[:2]
            label = f"{len(targets)} replica{'s' if len(targets) > 1 else ''}"
            capacity[label] = 0
            for k, size in enumerate(sizes):
                args.trainees = size
                run_ok, p95_ms = asyncio.run(run_mode(label, targets, args, store, run_tag + 100 * n + k))
                ok &= run_ok
                if p95_ms >= 1000 or not run_ok:
                    break
                capacity[label] = size
        if args.capacity:
            think = f"think {args.think[0]:g}-{args.think[1]:g} s" if args.think else "no think time"
            for label, size in capacity.items():
                print(f"capacity ({think}, p95 < 1 s, no errors): {label}: {size} trainees "
                      f"(tried {', '.join(map(str, sizes))})")
        return 0 if ok or not args.strict else 1
    finally:
        stop_servers(process)


if __name__ == "__main__":
    sys.exit(main())
