"""`python -m trainer`: serve the trainer app on 127.0.0.1:$TRAINER_PORT (default 5002)."""
import os

import uvicorn


def main() -> None:
    uvicorn.run(
        "trainer.app:create_app", factory=True,
        host=os.environ.get("TRAINER_INTERFACE", "127.0.0.1"),
        port=int(os.environ.get("TRAINER_PORT", "5002")),
        # X-Forwarded-For is trusted only from the load balancer's address, so the sign-in
        # rate limit sees the trainer's real IP behind it.
        proxy_headers=True, forwarded_allow_ips=os.environ.get("TRAINER_TRUSTED_PROXIES", "127.0.0.1"),
        server_header=False, log_level=os.environ.get("TRAINER_LOG_LEVEL", "info"),
    )


if __name__ == "__main__":
    main()
