"""Who may do what with members' own records."""


def can_edit_profile(user, member) -> bool:
    return bool(user.is_authenticated and (user.pk == member.pk or user.is_staff))
