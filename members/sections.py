"""The pages of members that other apps add to (kernel/sections.py says how)."""

from kernel.sections import Sections

profile = Sections("a member's profile")
