""""Now" for the onboarding path. Tests move the clock: when ONBOARDING_CLOCK_FILE names a
file holding an ISO date-time (e.g. 2026-12-01T09:00:00+00:00), that is now. Never set it
in production."""
import os
from datetime import datetime, timezone


def now() -> datetime:
    path = os.environ.get("ONBOARDING_CLOCK_FILE")
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
        if text:
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)
