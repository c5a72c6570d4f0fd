from django.http import JsonResponse
from django.urls import path


def index(request):
    return JsonResponse({"service": "web", "secure": request.is_secure(), "host": request.get_host()})


urlpatterns = [path("", index)]
