"""Exercise figures: a side-view person drawn from joint angles, with the equipment and an
arrow of movement, as inline SVG (no files fetched, so the PDF and the phone page draw the
same thing).

The drawings are data (report_templates/figures.yaml): a library of poses, and for each
exercise one or two panels (start and end), the props it uses and the words of its alt text.
Angles are degrees of a segment from its upper joint: 0 points down, 90 forward (the way the
person faces, to the right), 180 up, -90 back. The leg or arm the exercise works is drawn in
the accent colour, so the side worked shows on paper as well as in words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from html import escape
from typing import Any

import yaml

from assess.definitions.paths import data_dir

PANEL_W, PANEL_H, FLOOR = 100.0, 92.0, 80.0
LENGTH = {
    "trunk": 22.0,
    "neck": 2.0,
    "head": 5.0,
    "upper_arm": 11.0,
    "forearm": 10.0,
    "thigh": 16.5,
    "shin": 15.5,
    "foot": 5.5,
}
INK, FAR, ACCENT, PROP, SOFT = "#0d4a6b", "#8fa9bb", "#d2691e", "#5b6b75", "#c9d6de"
# The equipment of rules/exercises.yaml and the props that draw it.
EQUIPMENT_PROPS: dict[str, tuple[str, ...]] = {
    "resistance_band": ("band",),
    "mini_band": ("mini_band",),
    "box_or_bench": ("box", "bench"),
    "dumbbell_or_kettlebell": ("weight",),
    "barbell": ("barbell",),
    "cable_machine": ("cable",),
    "pullup_bar": ("bar",),
    "chair": ("chair",),
    "wall": ("wall",),
    "dowel": ("dowel",),
}

Point = tuple[float, float]


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((data_dir("report_templates") / "figures.yaml").read_text())
    return data


def figure_ids() -> set[str]:
    return set(_data()["figures"])


def _dir(angle: float) -> Point:
    rad = math.radians(angle)
    return math.sin(rad), math.cos(rad)


def _step(p: Point, angle: float, length: float) -> Point:
    dx, dy = _dir(angle)
    return p[0] + dx * length, p[1] + dy * length


@dataclass
class Body:
    joints: dict[str, Point]
    face: float | None  # None: seen from the front, no nose


def _pose(spec: dict[str, Any]) -> dict[str, Any]:
    """A panel's pose: the library pose it names, with the panel's own angles over it."""
    poses = _data()["poses"]
    base = dict(poses[spec["pose"]]) if "pose" in spec else {}
    while "like" in base:
        parent = dict(poses[base.pop("like")])
        parent.update(base)
        base = parent
    base.update(spec.get("set", {}))
    # Where the panel puts the body: its hip at a point, or lifted onto a bed or bench.
    base.update({k: spec[k] for k in ("at", "raise") if k in spec})
    return base


def _body(pose: dict[str, Any]) -> Body:
    """Joint positions with the hip at the origin."""
    j: dict[str, Point] = {"hip": (0.0, 0.0)}
    j["shoulder"] = _step(j["hip"], pose["trunk"], LENGTH["trunk"])
    neck = pose.get("neck", pose["trunk"])
    j["head"] = _step(j["shoulder"], neck, LENGTH["neck"] + LENGTH["head"])
    front = bool(pose.get("front"))
    # Seen from the front, each leg hangs from its own hip and each arm from its shoulder;
    # the near leg is the person's right, on the viewer's left.
    spread = {"near": -3.5, "far": 3.5} if front else {"near": 0.0, "far": 0.0}
    for side in ("near", "far"):
        thigh, shin, foot = pose[f"leg_{side}"]
        j[f"hip_{side}"] = (spread[side], 0.0)
        j[f"knee_{side}"] = _step(j[f"hip_{side}"], thigh, LENGTH["thigh"])
        j[f"ankle_{side}"] = _step(j[f"knee_{side}"], shin, LENGTH["shin"])
        j[f"toe_{side}"] = _step(j[f"ankle_{side}"], foot, LENGTH["foot"])
        upper, fore = pose[f"arm_{side}"]
        j[f"shoulder_{side}"] = (j["shoulder"][0] + spread[side] * 1.6, j["shoulder"][1])
        j[f"elbow_{side}"] = _step(j[f"shoulder_{side}"], upper, LENGTH["upper_arm"])
        j[f"hand_{side}"] = _step(j[f"elbow_{side}"], fore, LENGTH["forearm"])
    face = pose.get("face", 90)
    return Body(j, None if front or face is None else float(face))


def _placed(body: Body, pose: dict[str, Any], offset_x: float) -> Body:
    """The body moved into its panel: the hip where the pose says, or the lowest point on the
    floor (raised by `raise` for a bed or bench) and the body centred."""
    j = body.joints
    if "at" in pose:
        hx, hy = pose["at"]
    else:
        lowest = max(y + (LENGTH["head"] if name == "head" else 0) for name, (x, y) in j.items())
        xs = [x for x, _ in j.values()]
        hx = 50 - (min(xs) + max(xs)) / 2
        hy = FLOOR - float(pose.get("raise", 0)) - lowest - 1.5
    return Body({k: (x + hx + offset_x, y + hy) for k, (x, y) in j.items()}, body.face)


def _line(points: list[Point], color: str, width: float = 3.0) -> str:
    d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}" for i, (x, y) in enumerate(points))
    return (
        f'<path d="{d}" stroke="{color}" stroke-width="{width}" fill="none" '
        'stroke-linecap="round" stroke-linejoin="round"/>'
    )


def _person(b: Body, worked: str) -> str:
    j = b.joints
    colour = {"near": INK, "far": FAR}
    out = []
    for side in ("far", "near"):  # the far limbs behind the body
        leg = ACCENT if worked in (side, "both_legs") else colour[side]
        arm = ACCENT if worked == f"{side}_arm" else colour[side]
        out.append(_line([j[f"hip_{side}"], j[f"knee_{side}"], j[f"ankle_{side}"], j[f"toe_{side}"]], leg))
        if side == "far":
            out.append(_line([j["shoulder_far"], j["elbow_far"], j["hand_far"]], arm))
    if b.face is None and j["hip_near"] != j["hip_far"]:  # pelvis and shoulders, seen from the front
        out.append(_line([j["hip_near"], j["hip_far"]], INK, 4.2))
        out.append(_line([j["shoulder_near"], j["shoulder_far"]], INK, 4.2))
    out.append(_line([j["hip"], j["shoulder"]], INK, 4.2))
    out.append(
        _line([j["shoulder_near"], j["elbow_near"], j["hand_near"]], ACCENT if worked == "near_arm" else INK)
    )
    hx, hy = j["head"]
    out.append(f'<circle cx="{hx:.1f}" cy="{hy:.1f}" r="{LENGTH["head"]}" fill="{INK}"/>')
    if b.face is not None:
        out.append(_line([(hx, hy), _step((hx, hy), b.face, LENGTH["head"] + 1.6)], INK, 2.2))
    return "".join(out)


def _pt(b: Body, where: Any, offset_x: float) -> Point:
    """A prop's point: a joint's name, a joint and an offset ([knee_near, -20, 0]), or panel
    coordinates."""
    if isinstance(where, str):
        return b.joints[where]
    if isinstance(where[0], str):
        x, y = b.joints[where[0]]
        return x + float(where[1]), y + float(where[2])
    return float(where[0]) + offset_x, float(where[1])


def _prop(kind: str, spec: dict[str, Any], b: Body, ox: float) -> str:
    x = float(spec.get("x", 0)) + ox
    if "at" in spec and kind in ("chair", "counter", "box", "step", "bench", "bed", "wall"):
        # Placed by a joint: a chair's seat under the hip, a counter's top under the hand.
        ax, ay = _pt(b, spec["at"], ox)
        x = ax + float(spec.get("dx", 0))
        spec = {**spec, "seat": ay + 2.5, "top": ay + 0.5}
    if kind == "chair":
        seat = float(spec.get("seat", 52))
        back = -1 if spec.get("back", "left") == "left" else 1
        w = 16.0
        x0 = x - w / 2
        bx = x0 if back < 0 else x0 + w
        return (
            _line([(x0, seat), (x0 + w, seat)], PROP, 2.6)
            + _line([(x0 + 1, seat), (x0 + 1, FLOOR)], PROP, 2)
            + _line([(x0 + w - 1, seat), (x0 + w - 1, FLOOR)], PROP, 2)
            + _line([(bx, seat), (bx, seat - 18)], PROP, 2.6)
        )
    if kind == "counter":  # a kitchen counter or sturdy support to hold, its edge at x
        top = float(spec.get("top", 38))
        return (
            f'<rect x="{x - 2:.1f}" y="{top:.1f}" width="16" height="{FLOOR - top:.1f}" fill="{SOFT}" '
            f'stroke="{PROP}" stroke-width="1.4"/>' + _line([(x - 3, top), (x + 14, top)], PROP, 2.6)
        )
    if kind == "footprints":  # the feet seen from above, in a corner
        y0 = float(spec.get("y", 62))
        marks = {"tandem": [(0, 0), (0, -9)], "apart": [(-4, -4), (4, -4)], "step": [(-4, -4), (8, -4)]}
        feet = "".join(
            f'<ellipse cx="{x + dx:.1f}" cy="{y0 + dy:.1f}" rx="2.4" ry="4.2" fill="{FAR}"/>'
            for dx, dy in marks[spec.get("kind", "apart")]
        )
        return (
            f'<rect x="{x - 10:.1f}" y="{y0 - 17:.1f}" width="22" height="24" rx="3" fill="#ffffff" '
            f'stroke="{SOFT}"/>' + feet
        )
    if kind == "wall":
        return (
            f'<rect x="{x:.1f}" y="6" width="5" height="{FLOOR - 6:.1f}" fill="{SOFT}" '
            f'stroke="{PROP}" stroke-width="1.2"/>'
        )
    if kind in ("box", "step", "bench", "bed"):  # a step: a block or stair to stand or lean on
        w, h = float(spec.get("w", 22)), float(spec.get("h", 14))
        fill = {"box": "#e7d8c4", "step": "#d9e2e8"}.get(kind, SOFT)
        legs = ""
        if kind in ("bench", "bed"):
            legs = _line([(x + 2, FLOOR - h + 4), (x + 2, FLOOR)], PROP, 2) + _line(
                [(x + w - 2, FLOOR - h + 4), (x + w - 2, FLOOR)], PROP, 2
            )
            return (
                legs + f'<rect x="{x:.1f}" y="{FLOOR - h:.1f}" width="{w:.1f}" height="4" rx="1.5" '
                f'fill="{fill}" stroke="{PROP}" stroke-width="1.4"/>'
            )
        return (
            f'<rect x="{x:.1f}" y="{FLOOR - h:.1f}" width="{w:.1f}" height="{h:.1f}" rx="1" '
            f'fill="{fill}" stroke="{PROP}" stroke-width="1.4"/>'
        )
    if kind in ("band", "cable"):
        a, c = _pt(b, spec["from"], ox), _pt(b, spec["to"], ox)
        colour = "#2e8b57" if kind == "band" else PROP
        dash = ' stroke-dasharray="3 2"' if kind == "cable" else ""
        anchor = f'<rect x="{c[0] - 2:.1f}" y="{c[1] - 3:.1f}" width="4" height="6" fill="{PROP}"/>'
        return (
            f'<path d="M{a[0]:.1f} {a[1]:.1f} L{c[0]:.1f} {c[1]:.1f}" stroke="{colour}" '
            f'stroke-width="2.4" fill="none"{dash}/>' + anchor
        )
    if kind == "mini_band":
        a, c = _pt(b, spec["from"], ox), _pt(b, spec["to"], ox)
        mx, my = (a[0] + c[0]) / 2, (a[1] + c[1]) / 2
        return (
            f'<ellipse cx="{mx:.1f}" cy="{my:.1f}" rx="{abs(a[0] - c[0]) / 2 + 3:.1f}" '
            f'ry="{abs(a[1] - c[1]) / 2 + 3:.1f}" stroke="#2e8b57" stroke-width="2.4" fill="none"/>'
        )
    if kind == "weight":
        hx, hy = _pt(b, spec.get("at", "hand_near"), ox)
        return f'<circle cx="{hx:.1f}" cy="{hy + 4.5:.1f}" r="4.2" fill="{PROP}"/>' + _line(
            [(hx - 2.5, hy + 0.5), (hx - 2.5, hy - 1.5), (hx + 2.5, hy - 1.5), (hx + 2.5, hy + 0.5)],
            PROP,
            1.6,
        )
    if kind == "barbell":
        hx, hy = _pt(b, spec.get("at", "hand_near"), ox)
        return (
            f'<circle cx="{hx:.1f}" cy="{hy:.1f}" r="8" fill="none" stroke="{PROP}" stroke-width="2.6"/>'
            f'<circle cx="{hx:.1f}" cy="{hy:.1f}" r="1.8" fill="{PROP}"/>'
        )
    if kind == "bar":
        y = float(spec.get("y", 6))
        return _line([(x - 18, y), (x + 18, y)], PROP, 3.2)
    if kind == "dowel":
        a, c = _pt(b, spec["from"], ox), _pt(b, spec["to"], ox)
        return _line([a, c], "#a0522d", 2.2)
    if kind in ("cushion", "towel", "pillow"):
        px, py = _pt(b, spec.get("at", "knee_far"), ox)
        w = float(spec.get("w", 10))
        return (
            f'<rect x="{px - w / 2:.1f}" y="{py + float(spec.get("dy", 1)):.1f}" width="{w:.1f}" '
            'height="3.2" '
            f'rx="1.6" fill="#e7d8c4" stroke="{PROP}" stroke-width="1"/>'
        )
    raise ValueError(f"unknown prop {kind}")


def _arrow(spec: dict[str, Any], b: Body, ox: float) -> str:
    """An arrow of movement: straight from one point to another, or curved (a turn)."""
    a, c = _pt(b, spec["from"], ox), _pt(b, spec["to"], ox)
    if "bend" in spec:  # a curve through a control point pushed sideways by `bend`
        mx, my = (a[0] + c[0]) / 2, (a[1] + c[1]) / 2
        dx, dy = c[0] - a[0], c[1] - a[1]
        norm = math.hypot(dx, dy) or 1
        k = float(spec["bend"])
        ctrl = (mx - dy / norm * k, my + dx / norm * k)
        path = f"M{a[0]:.1f} {a[1]:.1f} Q{ctrl[0]:.1f} {ctrl[1]:.1f} {c[0]:.1f} {c[1]:.1f}"
        tail = ctrl
    else:
        path = f"M{a[0]:.1f} {a[1]:.1f} L{c[0]:.1f} {c[1]:.1f}"
        tail = a
    ang = math.atan2(c[1] - tail[1], c[0] - tail[0])
    head = [
        (c[0] - 5 * math.cos(ang - 0.45), c[1] - 5 * math.sin(ang - 0.45)),
        c,
        (c[0] - 5 * math.cos(ang + 0.45), c[1] - 5 * math.sin(ang + 0.45)),
    ]
    label = ""
    if "label" in spec:
        lx, ly = _pt(b, spec.get("label_at", spec["to"]), ox)
        label = (
            f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="6.5" fill="{ACCENT}" '
            f'font-family="DejaVu Sans, sans-serif">{escape(spec["label"])}</text>'
        )
    return (
        f'<path d="{path}" stroke="{ACCENT}" stroke-width="1.8" fill="none" stroke-dasharray="2.5 1.5"/>'
        + _line(head, ACCENT, 1.8)
        + label
    )


def parts(exercise: str) -> set[str]:
    """What a figure draws besides the person: its props (each kind of equipment), and
    `arrow` when it shows a movement."""
    fig = _data()["figures"][exercise]
    drawn = {kind for panel in fig["panels"] for prop in panel.get("props", []) for kind in prop}
    if any(panel.get("arrows") for panel in fig["panels"]):
        drawn.add("arrow")
    return drawn


def alt_text(exercise: str) -> str:
    return " ".join(str(_data()["figures"][exercise]["alt"]).split())


def figure_svg(exercise: str) -> str:
    """The figure of one exercise: one panel with an arrow, or start and end side by side."""
    figures = _data()["figures"]
    if exercise not in figures:
        return ""
    fig = figures[exercise]
    panels = fig["panels"]
    width = PANEL_W * len(panels)
    worked = fig.get("worked", "none")
    body = []
    for n, panel in enumerate(panels):
        ox = n * PANEL_W
        pose = _pose(panel)
        b = _placed(_body(pose), pose, ox)
        body.append(
            f'<rect x="{ox + 1:.1f}" y="1" width="{PANEL_W - 2:.1f}" height="{PANEL_H - 2:.1f}" '
            'rx="5" fill="#f3f7fa"/>'
        )
        body.append(_line([(ox + 4, FLOOR), (ox + PANEL_W - 4, FLOOR)], "#9fb3c1", 1.4))
        behind = [
            p
            for p in panel.get("props", [])
            if next(iter(p)) in ("wall", "counter", "chair", "bed", "bench", "box", "step", "bar")
        ]
        front = [p for p in panel.get("props", []) if p not in behind]
        body += [_prop(next(iter(p)), next(iter(p.values())) or {}, b, ox) for p in behind]
        body.append(_person(b, worked))
        body += [_prop(next(iter(p)), next(iter(p.values())) or {}, b, ox) for p in front]
        body += [_arrow(a, b, ox) for a in panel.get("arrows", [])]
        if len(panels) > 1:
            body.append(
                f'<text x="{ox + 5:.1f}" y="10" font-size="7" fill="{PROP}" '
                f'font-family="DejaVu Sans, sans-serif">{"Start" if n == 0 else "End"}</text>'
            )
    if worked in ("near", "far", "near_arm", "far_arm"):
        body.append(
            f'<text x="{width - 5:.1f}" y="{PANEL_H - 4:.0f}" font-size="6" fill="{ACCENT}" '
            'text-anchor="end" '
            f'font-family="DejaVu Sans, sans-serif">orange: the side you work</text>'
        )
    alt = escape(alt_text(exercise))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {PANEL_H:.0f}" role="img" '
        f'aria-label="{alt}" class="panels-{len(panels)}"><title>{alt}</title>{"".join(body)}</svg>'
    )
