"""The Chinese words the pages show for the service's slugs, error codes and match reasons.

Only wording lives here: every rule stays in the domain services. An error code or validation
message without a Chinese wording is shown as the API words it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marketplace.listings.models import CATEGORIES

SIDES = {"offer": "提供", "request": "需求"}
KINDS = {"item": "物品", "skill": "技能", "donation": "捐赠"}
MODES = {"give": "赠送", "lend": "借用"}
URGENCIES = {"low": "不急", "normal": "一般", "high": "紧急"}
LISTING_STATUSES = {
    "open": "可申请",
    "fully_reserved": "已约满",
    "closed": "已结束",
    "expired": "已过期",
    "withdrawn": "已撤下",
}
MODERATION_STATES = {
    "pending": "待审核",
    "approved": "已通过",
    "rejected": "未通过",
    "hidden": "已隐藏",
}
RESERVATION_STATUSES = {
    "waitlisted": "候补中",
    "pending": "待确认",
    "confirmed": "已确认，待领取",
    "picked_up": "已交接",
    "returned": "已归还",
    "completed": "已完成",
    "declined": "未被接受",
    "cancelled": "已取消",
    "expired": "已过期",
    "no_show": "爽约",
}
REPORT_REASONS = {
    "spam": "垃圾广告",
    "prohibited": "违禁物品",
    "fraud": "疑似诈骗",
    "offensive": "内容不当",
    "unsafe": "存在安全隐患",
    "other": "其他",
}
REPORT_OUTCOMES = {"dismissed": "驳回举报", "actioned": "已处理"}
MODERATION_ACTIONS = {
    "approve": "通过",
    "reject": "不通过",
    "hide": "隐藏",
    "restore": "恢复",
}
ROLES = {"resident": "居民", "merchant": "商户", "coordinator": "社工", "admin": "管理员"}
USER_STATUSES = {"active": "正常", "suspended": "已停用"}
POINTS_REASONS = {
    "skill_service": "技能服务",
    "lending": "借出物品",
    "giving": "赠送物品",
    "volunteer_grant": "志愿服务奖励",
    "grant_revoked": "撤销奖励",
    "redemption": "兑换礼品",
    "redemption_refund": "兑换退回",
}
REDEMPTION_STATUSES = {
    "pending": "待领取",
    "handed_over": "已领取",
    "cancelled": "已取消",
    "expired": "已过期",
}
AWARD_STATUSES = {
    "pending": "待确认",
    "disputed": "有异议，社工处理中",
    "awarded": "已发放",
    "rejected": "未发放",
}
AUDIT_TARGETS = {
    "listing": "发布",
    "user": "用户",
    "report": "举报",
    "organisation": "组织",
    "award": "服务积分",
}
AUDIT_ACTIONS = {
    "approve_listing": "审核通过",
    "reject_listing": "审核不通过",
    "hide_listing": "隐藏发布",
    "restore_listing": "恢复发布",
    "auto_hide_listing": "多人举报后自动隐藏",
    "resolve_report_actioned": "处理举报（已处理）",
    "resolve_report_dismissed": "处理举报（驳回）",
    "suspend_user": "停用用户",
    "reinstate_user": "恢复用户",
    "change_role": "更改角色",
    "verify_organisation": "认证组织",
    "unverify_organisation": "取消组织认证",
    "grant_points": "发放志愿积分",
    "revoke_points": "撤销志愿积分",
    "award_points": "异议裁定：发放积分",
    "reject_points": "异议裁定：不发放",
}
PLACE_KINDS = {
    "subdistrict": "街道",
    "community": "村/社区",
    "grid": "网格",
    "space": "场所",
    "zone": "功能区",
    "station": "服务站",
}
WEEKDAYS = {
    "mon": "周一",
    "tue": "周二",
    "wed": "周三",
    "thu": "周四",
    "fri": "周五",
    "sat": "周六",
    "sun": "周日",
}
RESERVATION_ACTIONS = {
    "confirm": "确认",
    "decline": "不接受",
    "cancel": "取消预约",
    "pickup": "核对领取码并交接",
    "return": "已归还",
    "complete": "完成",
    "no_show": "记为爽约",
}

# Moves in a reservation's history, as its page lists them.
RESERVATION_EVENTS = {
    "claim": "提出申请",
    "promote": "候补转为待确认",
    "confirm": "确认",
    "decline": "不接受",
    "expire": "过期",
    "cancel": "取消",
    "pickup": "交接",
    "no_show": "记为爽约",
    "return": "归还",
    "complete": "完成",
}

ERROR_CODES = {
    "unauthorized": "请先登录。",
    "forbidden": "您没有权限进行这个操作。",
    "not_found": "找不到这个页面或内容。",
    "method_not_allowed": "不支持这个操作。",
    "invalid": "有些内容填写得不对，请检查标红的项目。",
    "bad_request": "请求有误。",
    "throttled": "尝试次数太多，请稍后再试。",
    "internal_error": "系统出了点问题，请稍后再试。",
    "unavailable": "系统繁忙，请稍后再试。",
    "payload_too_large": "提交的内容太大。",
    "csrf_failed": "页面已过期，请刷新页面后重新提交。",
    "invalid_credentials": "手机号/邮箱或密码不正确。",
    "account_suspended": "该账号已被停用，请联系社区工作人员。",
    "organisation_required": "捐赠只能由商户或组织发布。",
    "own_listing": "不能申请自己发布的内容。",
    "own_grant": "不能给自己发放积分，请另一位协调员登记。",
    "sold_out": "已经被领完了。",
    "slot_full": "这个时段已约满。",
    "overlap": "这些日期已有人预约借用。",
    "quota_exceeded": "您进行中的预约太多了，请先完成或取消一些。",
    "not_claimable": "这条信息现在不能申请。",
    "invalid_transition": "当前状态下不能进行这个操作。",
    "stale_version": "内容已被修改，请刷新后重新编辑。",
    "wrong_code": "领取码不正确。",
    "pickup_locked": "领取码错误次数太多，请稍后再试。",
    "too_early": "还没到时间：技能服务临近时段开始才能开始，借用的物品从借用第一天起交付，领取时间结束后才能记为爽约。",
    "hold_expired": "这个申请没有及时确认，已经过期；对方可以重新申请。",
    "too_late": "领取时间已经过了，不能再取消；是否到场由发布者登记。",
    "nothing_ahead": "时段或领取时间都已过去，请先添加新的时段或领取时间。",
    "item_not_back": "物品还在上一位借用人手里，这次借用不能记为爽约，请取消这次借用。",
    "email_taken": "这个邮箱已注册。",
    "phone_taken": "这个手机号已注册。",
    "organisation_exists": "这个组织名称已被注册。",
    "already_registered": "这个邮箱、手机号或组织已注册。",
    "already_reported": "您已举报过，社工正在处理。",
    "already_suspended": "该用户已被停用。",
    "not_suspended": "该用户没有被停用。",
    "out_of_stock": "这份礼品已经兑完了。",
    "insufficient_points": "积分不足。",
    "reason_required": "请填写原因。",
    "in_use": "要删除的时段或领取时间还有预约在用，请先处理这些预约。",
    "already_revoked": "这笔奖励已经撤销过了。",
    "root_exists": "地点树已经有街道了，新地点请放在它下面。",
    "place_name_taken": "同一个上级地点下已有同名的地点。",
    "place_in_use": "这个地点还在使用中（有下级地点，或有用户、发布、礼品用到它），不能删除。",
}

# marshmallow's and the services' field messages, as the pages show them.
FIELD_MESSAGES = {
    "Missing data for required field.": "必填。",
    "Field may not be null.": "必填。",
    "Not a valid integer.": "请填写整数。",
    "Not a valid number.": "请填写数字。",
    "Not a valid date.": "请填写有效日期。",
    "Cannot start in the past.": "不能从过去的日子开始。",
    "Must be on or after starts_on.": "归还日不能早于开始日。",
    "Not a valid datetime.": "请填写有效的日期和时间。",
    "Not a valid string.": "请填写文字。",
    "Not a valid email address.": "请填写有效的邮箱地址。",
    "Not a valid URL.": "请填写有效的网址。",
    "Must be one of: offer, request.": "请选择提供或需求。",
    "Enter a mainland mobile number, e.g. 13912345678.": "请填写大陆手机号，例如 13912345678。",
    "Give an e-mail address or a mobile number.": "请填写邮箱或手机号（至少一项）。",
    "The pick-up code has six digits.": "领取码是 6 位数字。",
    "The pick-up code has the digits 0-9 only.": "领取码只包含数字 0-9。",
    "The code has six digits.": "兑换码是 6 位数字。",
    "No such place.": "没有这个地点。",
    "Must be in the future.": "必须是将来的时间。",
    "The current password is wrong.": "当前密码不正确。",
    "Name one of your own requests.": "只能选择您自己发布的需求。",
    "That request is no longer open.": "这条需求已经结束了。",
    "Must be on or before the end of the period.": "开始日期不能晚于结束日期。",
    "A period covers at most ten years.": "时间段最长十年。",
    "Give at least one slot.": "请至少填写一个时段。",
    "Give at least one window.": "请至少填写一个领取时间。",
    "Slots of one listing must not overlap.": "同一条信息的时段不能重叠。",
    "Every window needs a pick-up place inside a community.": "每个领取时间都要选择村/社区内的领取地点。",
    "A place cannot move under itself or its own descendants.": "地点不能移到它自己或它的下级地点下面。",
    "A merchant belongs to an organisation.": "设为商户时请选择所属组织。",
    "No such organisation.": "没有这个组织。",
}

# The services' messages that carry a number, a place kind or a weekday, e.g. "Slot 12 already has 2
# bookings." or "A zone cannot be placed under a grid."; kinds and weekdays are put into Chinese.
_PATTERNED_MESSAGES = tuple(
    (re.compile(pattern), wording)
    for pattern, wording in (
        (r"^Slot (\d+) has bookings and cannot be removed; cancel them first\.$",
         "时段（编号 {0}）已有人预约，不能删除；请先取消这些预约。"),
        (r"^Slot (\d+) already has (\d+) bookings\.$",
         "时段（编号 {0}）已有 {1} 人预约，名额不能少于这个数。"),
        (r"^(\d+) are already claimed; the quantity cannot go below that\.$",
         "已有 {0} 份被申请，数量不能少于这个数。"),
        (r"^The slot (\d+) must end after it starts\.$", "第 {0} 个时段的结束时间要晚于开始时间。"),
        (r"^The window (\d+) must end after it starts\.$",
         "第 {0} 个领取时间的结束时间要晚于开始时间。"),
        (r"^The slot (\d+) must start in the future\.$", "第 {0} 个时段必须是将来的时间。"),
        (r"^The window (\d+) must start in the future\.$", "第 {0} 个领取时间必须是将来的时间。"),
        (r"^Unknown id (\d+)\.$", "找不到编号 {0}，请刷新页面后重新修改。"),
        (r"^Must be greater than or equal to (-?\d+) and less than or equal to (-?\d+)\.$",
         "须在 {0} 到 {1} 之间。"),
        (r"^Can be at most (\d+) days ahead; renew it later\.$",
         "最多只能设到 {0} 天以内；到期前可以再续期。"),
        (r"^Length must be between (\d+) and (\d+)\.$", "长度须在 {0} 到 {1} 个字之间。"),
        (r"^Can start at most (\d+) days from today\.$", "最多只能预约 {0} 天以内开始的借用。"),
        (r"^Give a day from (\d{4})-\d\d-\d\d to (\d{4})-\d\d-\d\d\.$",
         "请选择 {0} 年到 {1} 年之间的日期。"),
        (r"^A (\w+) needs a parent \(([\w, ]+)\)\.$", "{0}要放在{1}下面，请选择上级地点。"),
        (r"^A (\w+) cannot be placed under a (\w+)\.$", "{0}不能放在{1}下面。"),
        (r'^(\w+): each interval is \["HH:MM", "HH:MM"\]\.$',
         "{0}：每段时间写成“开始-结束”，如 09:00-11:30，多段之间用空格隔开。"),
        (r"^(\w+): intervals must be ordered, non-empty and not overlap\.$",
         "{0}：每段要先开始后结束，多段按时间先后排列且不能重叠。"),
        (r"^(\w+): give a list of at most 6 \[start, end\] pairs\.$", "{0}：最多 6 段时间。"),
    )
)  # fmt: skip
# A message about one row of a list, e.g. "0.starts_at: Not a valid datetime.".
_ROW_MESSAGE = re.compile(r"^(\d+)\.\w+: (.+)$")
# A message about one entry of a list, e.g. "1: Not a valid URL." or "0: Longer than ...".
_ENTRY_MESSAGE = re.compile(r"^(\d+): (.+)$")

_LENGTH_PREFIXES = {
    "Shorter than minimum length ": "太短，至少 {} 个字。",
    "Longer than maximum length ": "太长，最多 {} 个字。",
    "Must be greater than or equal to ": "不能小于 {}。",
    "Must be less than or equal to ": "不能大于 {}。",
}


def field_message(message: str) -> str:
    """A validation message in Chinese when it has a wording here, else as the API gives it."""
    if message in FIELD_MESSAGES:
        return FIELD_MESSAGES[message]
    for pattern, wording in _PATTERNED_MESSAGES:
        if found := pattern.match(message):
            return wording.format(*(_slug_words(group) for group in found.groups()))
    if row := _ROW_MESSAGE.match(message):
        return f"第 {int(row.group(1)) + 1} 行：{field_message(row.group(2))}"
    if entry := _ENTRY_MESSAGE.match(message):
        return f"第 {int(entry.group(1)) + 1} 项：{field_message(entry.group(2))}"
    for prefix, wording in _LENGTH_PREFIXES.items():
        if message.startswith(prefix):
            return wording.format(message[len(prefix) :].rstrip("."))
    if message.startswith("Must be one of:"):
        return "请从选项中选择。"
    return message


_MOST_ENTRIES = re.compile(r"^Longer than maximum length (\d+)\.$")


def photo_url_message(message: str) -> str:
    """A message about a listing's photo URLs in Chinese; one about a single URL says which."""
    if entry := _ENTRY_MESSAGE.match(message):
        text = entry.group(2)
        wording = "请填写 https:// 开头的完整网址。" if text == "Not a valid URL." else None
        return f"第 {int(entry.group(1)) + 1} 个网址：{wording or field_message(text)}"
    if most := _MOST_ENTRIES.match(message):
        return f"最多 {most.group(1)} 张照片，请删去多余的网址。"
    return field_message(message)


def _slug_words(text: str) -> str:
    """Place kinds and weekdays named in a message (one, or several split by commas) in Chinese;
    anything else, such as a number, as it is."""
    words = [part.strip() for part in text.split(",")]
    if not all(word in PLACE_KINDS or word in WEEKDAYS for word in words):
        return text
    return "或".join(PLACE_KINDS.get(word) or WEEKDAYS[word] for word in words)


def error_message(code: str, message: str) -> str:
    return ERROR_CODES.get(code, message)


# --- match reasons -------------------------------------------------------------------------------


def match_reason(reason: Mapping[str, Any]) -> str:
    """One reason of a match in plain Chinese, e.g. 同在清溪村健康广场, 需要日期前可用."""
    code = reason.get("code", "")
    if code.startswith("same_"):
        return f"同在{reason.get('place', '')}"
    if code == "category":
        return f"同属「{CATEGORIES.get(reason.get('category', ''), reason.get('category', ''))}」"
    if code == "words":
        terms = reason.get("terms") or []
        return f"都提到：{'、'.join(str(term) for term in terms)}"
    if code == "covers_part":
        return f"可满足部分（剩 {reason.get('left')} / 需要 {reason.get('wanted')}）"
    if code == "covers_all":
        return f"数量足够（剩 {reason.get('left')}）"
    if code == "reliable":
        return f"信用好（已完成 {reason.get('completed')} 次交换）"
    return MATCH_REASONS.get(code, code)


MATCH_REASONS = {
    "available_before_needed_by": "需要日期前可用",
    "available_after_needed_by": "需要日期后才可用",
    "nothing_left_in_time": "来不及提供",
    "expires_before_available": "可用前就会过期",
    "expires_soon": "即将过期",
    "urgent": "急需",
}
