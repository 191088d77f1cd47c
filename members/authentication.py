"""API tokens that expire: a token older than API_TOKEN_DAYS is refused with a clear
401, so a token copied long ago (into a script, a laptop, a leaked log) stops working
by itself. A member makes a new one on their profile settings page."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class TokenExpired(exceptions.AuthenticationFailed):
    # A 401 naming the scheme even when session authentication is listed first (DRF
    # would answer 403), so a client knows to fetch a new token (kernel.api).
    www_authenticate = "Token"


def token_expires_at(token):
    return token.created + timedelta(days=settings.API_TOKEN_DAYS)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if timezone.now() >= token_expires_at(token):
            raise TokenExpired(
                _(
                    "Your API token has expired. Make a new one on your profile settings "
                    "page, under API token."
                )
            )
        return user, token
