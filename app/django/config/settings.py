"""Settings from environment variables, as the ECS task definition passes them.

The image, the smoke test and the boot lane all run requirements.txt's Django.
"""
import os
import ssl
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or ("insecure-local-only" if DEBUG else None)
if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY is not set (the task definition injects it from Secrets Manager)")

# Hostnames served through the load balancer plus the Cloud Map name, comma-separated.
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
HEALTH_CHECK_PATH = os.environ.get("HEALTH_CHECK_PATH", "/health/")

INSTALLED_APPS = ["django.contrib.staticfiles", "background"]
MIDDLEWARE = [
    # First: the load balancer's health checks carry the task's IP as Host, which ALLOWED_HOSTS refuses.
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = []
DATABASES = {}

# The load balancer terminates TLS and tells nginx, which tells Django.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = True

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]

REDIS_URL = os.environ.get("REDIS_URL")
# Host and port only, for log lines: the URL may carry a password.
REDIS_HOST_FOR_LOGS = urlsplit(REDIS_URL).netloc.rpartition("@")[2] if REDIS_URL else None
if REDIS_URL:
    # Time-outs so that an unreachable Redis fails a command in seconds instead of hanging it.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5},
        }
    }

# Celery (config/celery.py) on the same Redis. A rediss:// (TLS) URL needs the certificate checks spelled
# out for kombu: the server's certificate must chain to a trusted CA (the system's, or SSL_CERT_FILE).
CELERY_BROKER_URL = REDIS_URL
if REDIS_URL and REDIS_URL.startswith("rediss://"):
    CELERY_BROKER_USE_SSL = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 5}
CELERY_TASK_IGNORE_RESULT = True  # tasks record their effect themselves; no result backend to keep
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Beat's one periodic task; the interval is an environment variable so that tests need not wait a minute.
CELERY_BEAT_SCHEDULE = {
    "beat-tick": {"task": "background.tasks.beat_tick", "schedule": float(os.environ.get("BEAT_TICK_SECONDS", "60"))},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stdout": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

USE_TZ = True
