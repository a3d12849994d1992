"""`python -m trainer`: serve the trainer app on 127.0.0.1:$TRAINER_PORT (default 5002)."""
import logging
import os
import re

import uvicorn


class RedactTokens(logging.Filter):
    """Access-log lines must not carry set-password tokens (they are in the link's query)."""

    def filter(self, record):
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            args = list(record.args)
            args[2] = re.sub(r"token=[^&\s]*", "token=[redacted]", args[2])
            record.args = tuple(args)
        return True


def main() -> None:
    config = uvicorn.Config(
        "trainer.app:create_app", factory=True,
        host=os.environ.get("TRAINER_INTERFACE", "127.0.0.1"),
        port=int(os.environ.get("TRAINER_PORT", "5002")),
        # X-Forwarded-For is trusted only from the load balancer's address, so the sign-in
        # rate limit sees the trainer's real IP behind it.
        proxy_headers=True, forwarded_allow_ips=os.environ.get("TRAINER_TRUSTED_PROXIES", "127.0.0.1"),
        ws="none",  # no websockets here; rasa pins an old websockets that uvicorn can't use
        server_header=False, log_level=os.environ.get("TRAINER_LOG_LEVEL", "info"),
    )
    logging.getLogger("uvicorn.access").addFilter(RedactTokens())
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
