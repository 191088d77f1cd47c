"""The platform's pages plus one heavy read of a member's pledges (marked for the
replica), so a test can see which database answered."""

from django.http import JsonResponse
from django.urls import path

from kernel.replica import reads_from_replica
from pledges.models import Pledge
from radicals.urls import urlpatterns as platform


@reads_from_replica()
def pledges_of(request, author_id: int):
    titles = list(Pledge.objects.filter(author_id=author_id).values_list("title", flat=True))
    return JsonResponse({"titles": titles})


urlpatterns = [
    path("heavy/pledges-of/<int:author_id>/", pledges_of),
    *platform,
]
