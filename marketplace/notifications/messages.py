"""Human-readable (simplified Chinese) text for each kind of notification."""

from __future__ import annotations

from typing import Any

TEMPLATES: dict[str, str] = {
    "listing_approved": "您发布的「{title}」已通过审核，邻居们现在可以看到了。",
    "listing_rejected": "您发布的「{title}」未通过审核：{reason}",
    "listing_hidden": "您发布的「{title}」已被隐藏：{reason}",
    "listing_restored": "您发布的「{title}」已恢复显示。",
    "listing_expiring": "您发布的「{title}」将于{expires_on}到期，如仍需要请及时续期。",
    "listing_expired": "您发布的「{title}」已到期关闭。",
}


def render(kind: str, payload: dict[str, Any]) -> str:
    template = TEMPLATES.get(kind)
    if template is None:
        return kind
    try:
        return template.format(**payload)
    except (KeyError, IndexError):
        return template
