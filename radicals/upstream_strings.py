# ruff: noqa: E501 - each msgid must be exactly allauth's, long lines and all
"""Strings of django-allauth, Django and Django REST framework that our pages, messages,
emails and API answers show.

allauth and DRF ship no Welsh catalogue, and Django's Welsh one predates some of its
own strings (the password rules' help and errors), so these msgids, exactly as they
write them, are listed here for the project catalogue (`locale/`) to carry
their Welsh: Django looks a string up in every catalogue, ours first. The account
pages whose English we word ourselves (log in, create an account, reset your
password...) are in templates/account/. Nothing imports this module.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

ALLAUTH_STRINGS = (
    _("This account is currently inactive."),
    _("You cannot remove your primary email address."),
    _("This email address is already associated with this account."),
    _("The email address and/or password you specified are not correct."),
    _("A user is already registered with this email address."),
    _("Please type your current password."),
    _("Incorrect password."),
    _("Invalid or expired key."),
    _("Invalid login."),
    _("The password reset token was invalid."),
    _("You cannot add more than %d email addresses."),
    _("Too many failed login attempts. Try again later."),
    _("The email address is not assigned to any user account."),
    _("Your primary email address must be verified."),
    _("The new value must be different from the current one."),
    _("Be patient, you are sending too many requests."),
    _("Use your password"),
    _("Email"),
    _("You must type the same password each time."),
    _("Password"),
    _("Remember Me"),
    pgettext_lazy("field label", "Login"),
    _("Email (again)"),
    _("Email address confirmation"),
    _("Email (optional)"),
    _("You must type the same email each time."),
    _("Password (again)"),
    _("Current Password"),
    _("New Password"),
    _("New Password (again)"),
    _("user"),
    _("email address"),
    _("verified"),
    _("primary"),
    _("email addresses"),
    _("created"),
    _("sent"),
    _("key"),
    _("email confirmation"),
    _("email confirmations"),
    _("Key"),
    _("Cancel"),
    _("Account Inactive"),
    _("This account is inactive."),
    _("Confirm"),
    _("Confirm Access"),
    _("Please reauthenticate to safeguard your account."),
    _("Email Addresses"),
    _("The following email addresses are associated with your account:"),
    _("Verified"),
    _("Unverified"),
    _("Primary"),
    _("Make Primary"),
    _("Re-send Verification"),
    _("Remove"),
    _("Add Email Address"),
    _("Add Email"),
    _("Do you really want to remove the selected email address?"),
    _(
        "You are receiving this email because you or someone else tried to signup for an\naccount using email address:\n\n%(email)s\n\nHowever, an account using that email address already exists.  In case you have\nforgotten about this, please use the password forgotten procedure to recover\nyour account:\n\n%(password_reset_url)s"
    ),
    _("Account Already Exists"),
    _("Hello from %(site_name)s!"),
    _("Thank you for using %(site_name)s!\n%(site_domain)s"),
    _("You are receiving this mail because the following change was made to your account:"),
    _(
        "If you do not recognize this change then please take proper security precautions immediately. The change to your account originates from:\n\n- IP address: %(ip)s\n- Browser: %(user_agent)s\n- Date: %(timestamp)s"
    ),
    _("Your email has been changed from %(from_email)s to %(to_email)s."),
    _("Email Changed"),
    _("Your email has been confirmed."),
    _("Email Confirmation"),
    _(
        "You're receiving this email because user %(user_display)s has given your email address to register an account on %(site_domain)s."
    ),
    _("To confirm this is correct, go to %(activate_url)s"),
    _("Please Confirm Your Email Address"),
    _("Email address %(deleted_email)s has been removed from your account."),
    _("Email Removed"),
    _("This mail can be safely ignored if you did not initiate this action."),
    _("Your password has been changed."),
    _("Password Changed"),
    _(
        "You're receiving this email because you or someone else has requested a password reset for your user account.\nIt can be safely ignored if you did not request a password reset. Click the link below to reset your password."
    ),
    _("Password Reset Email"),
    _("Your password has been reset."),
    _("Your password has been set."),
    _("Password Set"),
    _(
        "You are receiving this email because you, or someone else, tried to access an account with email %(email)s. However, we do not have any record of such an account in our database."
    ),
    _("If it was you, you can sign up for an account using the link below."),
    _("Unknown Account"),
    _("Email Address"),
    _("Current email"),
    _("Changing to"),
    _("Your email address is still pending verification."),
    _("Cancel Change"),
    _("Change to"),
    _("Change Email"),
    _("Confirm Email Address"),
    _(
        'Please confirm that <a href="mailto:%(email)s">%(email)s</a> is an email address for user %(user_display)s.'
    ),
    _("Unable to confirm %(email)s because it is already confirmed by a different account."),
    _(
        'This email confirmation link expired or is invalid. Please <a href="%(email_url)s">issue a new email confirmation request</a>.'
    ),
    _("You cannot remove your primary email address (%(email)s)."),
    _("Confirmation email sent to %(email)s."),
    _("You have confirmed %(email)s."),
    _("Removed email address %(email)s."),
    _("Password successfully changed."),
    _("Password successfully set."),
    _("Primary email address set."),
    _("Change Password"),
    _("Bad Token"),
    _(
        'The password reset link was invalid, possibly because it has already been used.  Please request a <a href="%(passwd_reset_url)s">new password reset</a>.'
    ),
    _("Your password is now changed."),
    _("Set Password"),
    _("Enter your password:"),
    _("Sign Up Closed"),
    _("We are sorry, but the sign up is currently closed."),
    _(
        "This part of the site requires us to verify that\nyou are who you claim to be. For this purpose, we require that you\nverify ownership of your email address. "
    ),
    _(
        "We have sent an email to you for\nverification. Please click on the link inside that email. If you do not see the verification email in your main inbox, check your spam folder. Otherwise\ncontact us if you do not receive it within a few minutes."
    ),
    _(
        '<strong>Note:</strong> you can still <a href="%(email_url)s">change your email address</a>.'
    ),
    _("User Sessions"),
    _("session key"),
)

DJANGO_STRINGS = (
    _("Reset password"),
    _("Set password"),
    _("The two password fields didn’t match."),
    _("Enter the same password as before, for verification."),
    _(
        "Whether the user will be able to authenticate using a password or not. If disabled, they may still be able to authenticate using other backends, such as Single Sign-On or LDAP."
    ),
    _("Password-based authentication"),
    _("Enabled"),
    _("Disabled"),
    _("Raw passwords are not stored, so there is no way to see the user’s password."),
    _("Enable password-based authentication for this user by setting a password."),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        1,
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        1,
    ),
    _("The password is too similar to the %(verbose_name)s."),
    _("Your password can’t be too similar to your other personal information."),
    _("This password is too common."),
    _("Your password can’t be a commonly used password."),
    _("This password is entirely numeric."),
    _("Your password can’t be entirely numeric."),
)

# DRF's most common answers; the throttle's "Expected available in N seconds" is built
# from an already formatted string, so it cannot be translated and stays English.
DRF_STRINGS = (
    _("Authentication credentials were not provided."),
    _("Incorrect authentication credentials."),
    _("Invalid token header. No credentials provided."),
    _("Invalid token."),
    _("You do not have permission to perform this action."),
    _("Not found."),
    _('Method "{method}" not allowed.'),
    _("Request was throttled."),
    _("Malformed request."),
    _('Unsupported media type "{media_type}" in request.'),
    _("This field is required."),
    _("This field may not be blank."),
    _("This field may not be null."),
    _("A valid integer is required."),
    _("Must be a valid boolean."),
    _("Not a valid string."),
    _('"{input}" is not a valid choice.'),
    _("Ensure this field has no more than {max_length} characters."),
    _('Invalid pk "{pk_value}" - object does not exist.'),
    _("Incorrect type. Expected pk value, received {data_type}."),
    _("Invalid data. Expected a dictionary, but got {datatype}."),
    _("Invalid page."),
)
