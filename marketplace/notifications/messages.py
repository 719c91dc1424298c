"""Human-readable (simplified Chinese) text for each kind of notification."""

from __future__ import annotations

from typing import Any

TEMPLATES: dict[str, str] = {
    "listing_approved": "您发布的「{title}」已通过审核，邻居们现在可以看到了。",
    "listing_rejected": "您发布的「{title}」未通过审核：{reason}",
    "listing_hidden": "您发布的「{title}」已被隐藏：{reason}",
    "listing_restored": "您发布的「{title}」已恢复显示。",
    "listing_expiring": "您发布的「{title}」将于{expires_on}到期，如仍需要请及时续期。",
    "listing_expired": "您发布的「{title}」已到期关闭。{reason}",
    "claim_received": "有邻居申请了您的「{title}」，请及时处理。",
    "reservation_confirmed": "您对「{title}」的申请已确认，请按时领取。",
    "reservation_declined": "您对「{title}」的申请未被接受：{reason}",
    "reservation_cancelled": "「{title}」的预约已取消。{reason}",
    "reservation_picked_up": "「{title}」已交接。",
    "reservation_returned": "借用的「{title}」已归还，谢谢！",
    "reservation_completed": "「{title}」的交换已完成，感谢参与邻里共享！",
    "reservation_no_show": "「{title}」的预约因未按时领取被记为爽约。",
    "reservation_expired": "「{title}」的预约因未及时确认已过期。",
    "waitlist_expired": "您在「{title}」候补名单上的申请未能转为预约，已失效。{reason}",
    "reservation_promoted": "好消息！您在「{title}」候补名单上的申请已转为预约。",
    "claim_moved_up": "「{title}」空出了名额，候补名单上的邻居已转为预约，请及时处理。",
    "loan_overdue": "「{title}」的借用已超过归还日期（{ends_on}），请双方尽快安排归还。",
    "pickup_tomorrow": "提醒：「{title}」的领取时间快到了。",
    "return_tomorrow": "提醒：借用的「{title}」明天（{ends_on}）到期，请按时归还。",
    "match_found": "新发布的「{title}」可能正好满足您的「{your_title}」。",
    "request_fulfilled": "您的需求「{title}」已经得到满足，已自动关闭。",
    "points_earned": "感谢您的分享！「{title}」为您赢得 {points} 积分。",
    "points_granted": "社区为您的志愿服务发放了 {points} 积分：{reason}",
    "service_to_confirm": "「{title}」的服务已完成，请在 {hours} 小时内确认或提出异议。",
    "service_disputed": "有邻居对您提供的服务提出了异议：{reason}",
    "dispute_resolved": "社区工作人员已处理服务异议：{reason}",
}


class _Payload(dict[str, Any]):
    """A payload in which a field it lacks (an older notification's) reads as nothing."""

    def __missing__(self, key: str) -> str:
        return ""


def render(kind: str, payload: dict[str, Any]) -> str:
    template = TEMPLATES.get(kind)
    if template is None:
        return kind
    try:
        return template.format_map(_Payload(payload))
    except (IndexError, ValueError, AttributeError):
        return template
