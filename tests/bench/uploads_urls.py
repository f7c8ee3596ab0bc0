"""The project's URLs plus `/bench/upload-minimal/`: a view that takes a multipart POST and does
nothing with the file (the upload benchmark's baseline: same server, same middleware, same parsing)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from community.urls import urlpatterns as project_urlpatterns


@csrf_exempt
def upload_minimal(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    return HttpResponse(str(upload.size if upload else 0), content_type="text/plain")


urlpatterns = [path("bench/upload-minimal/", upload_minimal), *project_urlpatterns]
