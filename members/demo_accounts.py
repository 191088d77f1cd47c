"""The demo accounts, as plain data: `make run` prints them before Django is set up."""

DEMO_PASSWORD = "radicals-demo-password"  # noqa: S105 - development demo accounts only

# email, display name, job role, index into the demo organisations, platform admin
ACCOUNTS = [
    ("admin@radicals.local", "Ada Admin", "Platform admin", 0, True),
    ("organiser@radicals.local", "Olu Organiser", "Improvement lead", 0, False),
    ("alice@radicals.local", "Alice Ahmed", "Staff nurse", 0, False),
    ("bob@radicals.local", "Bob Brown", "Physiotherapist", 2, False),
]


def describe() -> list[str]:
    return [
        f"{email}  ({name}{', platform admin' if staff else ''})"
        for email, name, _role, _org, staff in ACCOUNTS
    ]
