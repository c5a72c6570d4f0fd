"""gunicorn settings; every value can be overridden by the environment."""
import os

# Only nginx, in the same task, talks to gunicorn: listen on localhost.
bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On SIGTERM, finish in-flight requests within 25 s: under ECS's 30 s stop timeout.
graceful_timeout = 25
# Longer than nginx's upstream keepalive, so nginx closes idle connections first.
keepalive = 75
worker_tmp_dir = os.environ.get("GUNICORN_TMP_DIR", "/tmp")
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"
