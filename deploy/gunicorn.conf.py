"""gunicorn settings for the portal: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

gunicorn runs this file as Python. Command-line options still win over it; the check in
`on_starting` sees the final worker count whichever way it was set. See docs/deploy.md.
"""

import os

# nginx on the same machine is the only client; TLS ends there.
bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
# Claim-code and password checks are argon2 work, bound by the CPU: one sync worker per CPU
# keeps every core busy without making requests wait for each other's hashes. Each hash holds
# 64 MiB, so memory needs about workers x 100 MiB. gunicorn itself also reads WEB_CONCURRENCY.
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
worker_class = "sync"
# nginx buffers slow phones, so a request that runs longer than this is stuck, not slow.
timeout = 30
graceful_timeout = 30
# A fresh worker now and then, so a slow leak cannot grow without end.
max_requests = 5000
max_requests_jitter = 500
# No access log: its request times could be lined up with a complaint. Errors go to stderr
# (the journal), with addresses scrubbed by portal/logs.py.
accesslog = None
errorlog = "-"
loglevel = "info"
# gunicorn 25.1+ opens a control socket at one fixed path under $XDG_RUNTIME_DIR or
# $HOME/.gunicorn/ unless told otherwise; two instances on one machine would fight over it,
# and nothing here needs it. (Older gunicorn ignores this name.) To use gunicornc instead,
# set control_socket to a path per instance, e.g. /run/lead-portal/gunicorn.ctl.
control_socket_disable = True


def on_starting(server) -> None:
    """Check the portal's configuration once, in the master (`server`), before any worker starts.

    The worker count is handed to the configuration, which refuses several workers with
    per-process (memory://) rate-limit counting in production: each worker would count
    claim-code guesses alone. A RuntimeError makes gunicorn print it and exit with status 1.
    """
    import secrets

    from portal.config import Config, ConfigError

    os.environ["PORTAL_WORKERS"] = str(server.cfg.workers)
    # One rate-limit secret for every worker, made now and kept only in memory: the workers
    # inherit it, and nothing on disk can match the counters in Redis to an address.
    if not os.environ.get("PORTAL_RATELIMIT_SECRET"):
        os.environ["PORTAL_RATELIMIT_SECRET"] = secrets.token_hex(32)
    try:
        Config.from_env()
    except ConfigError as error:
        raise RuntimeError(f"The portal will not start: {error}") from None


def post_worker_init(worker) -> None:
    """Count the public figures in the background as each worker starts (workers are renewed
    every few thousand requests) and every 45 minutes after, so no reader of /figures waits.
    Never stops a worker from serving: at worst readers count for themselves."""
    try:
        from flask import Flask

        from portal.figures import figurerefresh

        if isinstance(worker.wsgi, Flask):
            figurerefresh.keep_warm(worker.wsgi)
    except Exception:  # a failure here would halt every worker
        worker.log.warning("figures not kept warm in this worker")
