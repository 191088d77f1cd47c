"""The pages of communities that other apps add to (kernel/sections.py says how)."""

from kernel.sections import Sections

community_page = Sections("a community's page")
