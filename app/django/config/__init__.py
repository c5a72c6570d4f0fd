# Loaded with Django, so that `shared_task`s sent from Django use this app and its broker.
from .celery import app as celery_app

__all__ = ("celery_app",)
