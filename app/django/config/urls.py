import os

from django.http import JsonResponse
from django.urls import path


def index(request):
    # WEB_SERVICE names the web service that answered: the load balancer routes /api/ to its own tasks.
    service = os.environ.get("WEB_SERVICE", "web")
    return JsonResponse({"service": service, "secure": request.is_secure(), "host": request.get_host()})


urlpatterns = [path("", index), path("api/", index)]
