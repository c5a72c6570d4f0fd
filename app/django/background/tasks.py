"""Celery tasks. Each records what it did in the cache (Redis), where the tests and the operator can see it."""
import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task
def remember(key, value):
    """Stores value under key: the smallest proof that a task sent by Django ran on a worker."""
    cache.set(f"remember:{key}", value, timeout=3600)
    logger.info("remembered %s", key)


@shared_task
def beat_tick():
    """Sent by beat on CELERY_BEAT_SCHEDULE; records when it last ran."""
    now = timezone.now().isoformat()
    cache.set("beat:last-tick", now, timeout=None)
    logger.info("beat tick at %s", now)
