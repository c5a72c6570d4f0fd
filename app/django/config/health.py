"""The health endpoint: answered before anything that could fail for reasons other than this process."""
from django.http import JsonResponse

from django.conf import settings


class HealthCheckMiddleware:
    """Answers HEALTH_CHECK_PATH directly.

    Shallow on purpose: a Redis or database outage would otherwise mark every task
    unhealthy at once, and ECS would replace healthy tasks in a loop.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == settings.HEALTH_CHECK_PATH:
            return JsonResponse({"status": "ok"})
        return self.get_response(request)
