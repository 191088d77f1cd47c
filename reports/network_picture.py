"""A small picture of a community's network, drawn on the server as SVG.

The busiest mobilisers sit on an inner ring and the people they brought in on an outer
ring, with a line for each join or co-sign one brought about. The same facts are in a
table beside the picture, which is what screen readers use.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext

from members.models import User

SIZE = 600
CENTRE = SIZE / 2
INNER = 120
OUTER = 250


@dataclass
class Node:
    member_id: int
    name: str
    x: float
    y: float
    is_mobiliser: bool


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    weight: int
    inviter: str
    invitee: str


@dataclass
class Picture:
    size: int
    nodes: list[Node]
    lines: list[Line]

    @property
    def mobilisers(self) -> list[Node]:
        return [n for n in self.nodes if n.is_mobiliser]


def _ring(ids: list[int], radius: float) -> dict[int, tuple[float, float]]:
    places = {}
    for index, member_id in enumerate(ids):
        angle = 2 * math.pi * index / max(len(ids), 1) - math.pi / 2
        places[member_id] = (
            round(CENTRE + radius * math.cos(angle), 1),
            round(CENTRE + radius * math.sin(angle), 1),
        )
    return places


def draw(*, edges: list[tuple[int, int, int]], name_of: Callable[[User], str]) -> Picture | None:
    if not edges:
        return None
    inviters = list(dict.fromkeys(inviter for inviter, _, _ in edges))
    invitees = [
        invitee for invitee in dict.fromkeys(invitee for _, invitee, _ in edges)
        if invitee not in inviters
    ]  # fmt: skip
    people = {u.pk: u for u in User.objects.filter(pk__in=inviters + invitees)}
    places = {**_ring(inviters, INNER if len(inviters) > 1 else 0), **_ring(invitees, OUTER)}
    names = {pk: name_of(user) for pk, user in people.items()}
    nodes = [
        Node(pk, names.get(pk, gettext("A member")), *places[pk], is_mobiliser=pk in inviters)
        for pk in inviters + invitees
    ]
    lines = [
        Line(
            *places[inviter],
            *places[invitee],
            weight=weight,
            inviter=names.get(inviter, gettext("A member")),
            invitee=names.get(invitee, gettext("A member")),
        )
        for inviter, invitee, weight in edges
    ]
    return Picture(size=SIZE, nodes=nodes, lines=lines)
