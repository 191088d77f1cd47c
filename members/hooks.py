"""Reactions to changes of a member's account, wherever they are made (allauth's
password change and reset, the admin's password form and active tick, a shell)."""

from members import services


def end_api_tokens_when_credentials_change(sender, instance, created, **kwargs) -> None:
    """A new password or a deactivated account ends every API token, as it ends every
    other session. Django keeps the new raw password on the instance (`_password`) from
    set_password() until the save that stores it, and clears it when it only rehashes
    an unchanged password at login, so this runs for real changes only."""
    if created:
        return
    if getattr(instance, "_password", None) is not None or not instance.is_active:
        services.api_tokens_end(member=instance)


def start_idle_clock_at_login(sender, request, user, **kwargs) -> None:
    """Count a session's idle time from the login (kernel.sessions), so the first
    page after it need not save the session again."""
    from kernel.sessions import mark_active

    if request is not None and hasattr(request, "session"):
        mark_active(request.session)
