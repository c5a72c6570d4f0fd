"""`manage.py heartbeat`: the scheduled job. Records the time in Redis and logs it; exit 1 without Redis."""
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

logger = logging.getLogger(__name__)
KEY = "heartbeat:last"


class Command(BaseCommand):
    help = "Records the current time in the cache (Redis) and logs it; exits 1 when Redis is unreachable."

    def handle(self, *args, **options):
        if not settings.REDIS_URL:
            raise CommandError("REDIS_URL is not set: the heartbeat has nowhere to write")
        now = timezone.now().isoformat()
        try:
            cache.set(KEY, now, timeout=None)
            stored = cache.get(KEY)
        except Exception as error:  # redis-py raises ConnectionError, TimeoutError, SSL errors...
            raise CommandError(f"Redis unreachable at {settings.REDIS_HOST_FOR_LOGS}: {error}") from error
        if stored != now:
            raise CommandError(f"Redis did not keep the heartbeat (wrote {now}, read {stored!r})")
        logger.info("heartbeat %s recorded in Redis", now)
