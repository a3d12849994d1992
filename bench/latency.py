"""Per-message cost against a bare Rasa bot, in the same run on the same machine.

    .venv/bin/python bench/latency.py [--rounds 3]

Starts this assistant (scripts/serve.sh on ports 5805/5855/5802) and a bare `rasa init`
bot (made and trained once under var/bare-bot/, about 2 minutes the first time), measures
for each: start-up time to the first reply, then one message at a time on an idle server
over the REST channel: a mixed conversation (greeting, questions, a task to grade, a quiz
with answers, a rehearsal reply) for this assistant, the sample conversation for the bare
bot. Prints p50/p95 per server and the ratios the performance issue tracks:
p95 ours / bare (target <= 1.25) and start-up ours / bare (target <= 1.1).
Loopback only; bounded; a benchmark, not a test.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE = ROOT / "var" / "bare-bot"
RASA = ROOT / ".venv" / "bin" / "rasa"

OURS = [
    "hi", "what is mutuality?", "tell me more", "where is that from?",
    "what's the difference between a peer and a sponsor?",
    "can our peer observe urine screens?", "Accompany participants to court appearances",
    "start a quiz", "in role", "out of role", "why?", "it depends", "stop the quiz",
    "practice a boundary scenario", "I can't lend you money, but we could call 211 together", "stop",
    "what can you do?", "thanks",
]
BARE_CONVERSATION = ["hi", "I am sad", "yes", "great", "bye", "hello", "not good", "no", "very good", "goodbye"]


def post(url, sender, text, timeout=60):
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url + "/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()
    return time.perf_counter() - start


def wait_ready(url, process, seconds=300):
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if process.poll() is not None:
            sys.exit(f"error: server for {url} exited; see var/bench-latency-*.log")
        try:
            post(url, "bench-ready", "hi", timeout=5)
            return time.perf_counter() - start
        except OSError:
            time.sleep(0.5)
    sys.exit(f"error: {url} not ready in {seconds} s")


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def bare_bot():
    if not list((BARE / "models").glob("*.tar.gz")):
        print("==> making and training the bare `rasa init` bot once (var/bare-bot, about 2 minutes)", flush=True)
        shutil.rmtree(BARE, ignore_errors=True)
        BARE.mkdir(parents=True)
        subprocess.run([str(RASA), "init", "--no-prompt", "--init-dir", str(BARE)], cwd=BARE, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return BARE


def measure(name, command, cwd, url, conversation, rounds, env=None):
    log = open(ROOT / "var" / f"bench-latency-{name}.log", "w")
    process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               env=dict(os.environ, **(env or {})))
    try:
        startup = wait_ready(url, process)
        for text in conversation:  # warm-up: first use of each path loads its content
            post(url, f"bench-warm-{name}", text)
        times, by_text = [], {}
        for r in range(rounds):
            for text in conversation:
                times.append(post(url, f"bench-{name}-{r}", text))
                by_text.setdefault(text, []).append(times[-1])
                time.sleep(0.05)   # idle server: one message at a time
    finally:
        stop(process)
    ms = sorted(t * 1000 for t in times)
    p50 = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"{name:10s} start-up {startup:5.1f} s   messages {len(ms):3d}   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    slowest = sorted(by_text.items(), key=lambda kv: -statistics.median(kv[1]))[:4]
    print("           slowest: " + "; ".join(f"{t[:40]!r} {statistics.median(v) * 1000:.0f} ms" for t, v in slowest))
    return startup, p95


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    (ROOT / "var").mkdir(exist_ok=True)
    bare = bare_bot()
    ours_env = {"RASA_PORT": "5805", "ACTION_PORT": "5855", "TRAINER_PORT": "5802",
                "RASA_LOG": "var/bench-latency-rasa.log", "ACTION_LOG": "var/bench-latency-actions.log",
                "TRAINER_LOG": "var/bench-latency-trainer.log"}
    ours = measure("assistant", ["bash", "scripts/serve.sh"], ROOT, "http://127.0.0.1:5805", OURS, args.rounds,
                   ours_env)
    bare_run = measure("bare rasa", [str(RASA), "run", "--port", "5806", "--interface", "127.0.0.1",
                                     "--model", "models"], bare, "http://127.0.0.1:5806", BARE_CONVERSATION,
                       args.rounds * 2)
    print(f"ratios: p95 {ours[1] / bare_run[1]:.2f} (target <= 1.25), start-up {ours[0] / bare_run[0]:.2f} "
          f"(target <= 1.1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
