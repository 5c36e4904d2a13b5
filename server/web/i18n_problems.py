"""Every refusal a web page can show, in Chinese (issue 23, point 5): keyed by the stable error code of
shared/errors.py, so the English message (which names field, value and rule) gets its Chinese counterpart with
the same field, value and allowed values beside it. A code without an entry here shows the English message:
tests/browser/test_every_page_in_chinese.py finds it."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from shared.errors import TrialproError

PROBLEMS_ZH: dict[str, str] = {
    "record.invalid": "记录未被接受：以下字段不符合规则，请按提示修改后再保存。",
    "correction.raced": "保存期间此记录已被他人更改：请重新打开记录，在最新版本上更正。",
    "auth.required": "请先登录。",
    "auth.sign_in_refused": "用户名或密码错误。连续多次失败后账户将被锁定数分钟；忘记密码请联系管理员重置。",
    "auth.rate_limited": "尝试次数过多：请稍后再试。",
    "auth.forbidden": "您的角色无权执行此操作：请由具有相应角色的工作人员完成。",
    "auth.weak_password": "新密码不符合要求：至少12个字符，且不能是常见或容易猜到的密码。",
    "auth.csrf": "页面已过期：请重新打开页面后再提交。",
    "not_found": "未找到：该对象不存在，或不属于您的研究中心。",
    "input.invalid": "请求中的参数无效：请按下面允许的值修改。",
    "input.content_type": "请求的格式无效。",
    "export.invalid": "无法导出：请检查所选的格式与中心。",
    "server.database_busy": "数据库繁忙，本次未保存任何内容：请几秒钟后重试。",
    "server.unexpected": "服务器出错，本次未保存任何内容：请重试；如仍出错请联系管理员。",
    "job.not_found": "未找到该导出任务。",
    "job.not_ready": "导出尚未完成：请稍候。",
    "participant.frozen": "该受试者的数据已冻结：解冻前不能更改。",
    "study.locked": "研究已锁库：不能再更改数据。",
    "query.state": "质疑当前的状态不允许此操作。",
    "signature.refused": "无法签名：请查看下面的原因。",
    "signature.credentials": "用户名或密码错误，未签名。",
    "lock.refused": "无法锁定：请先完成下面列出的事项。",
    "ae.coding_refused": "无法编码：请检查所选的低位语编码。",
    "sae.report_refused": "无法标记为已报告：请检查报告时间与编号。",
    "ae.causality_confirmation_refused": "无法确认因果关系：请查看下面的原因。",
    "record.already_submitted": "此访视的该量表已提交过：请更正已有的记录。",
    "record.time_implausible": "记录的时间不合理：请检查日期与时间。",
}


def _detail_items(exc: TrialproError) -> list[tuple[str, Any, Any]]:
    """(field, value, allowed) of what the error names: its field problems, or its one field."""
    details = exc.details or {}
    if isinstance(details.get("problems"), list):
        return [(p.get("field"), p.get("value"), p.get("allowed")) for p in details["problems"]
                if isinstance(p, dict)]
    if "field" in details:
        return [(details.get("field"), details.get("value"), details.get("allowed"))]
    return []


def problem_zh(exc: TrialproError) -> Markup | None:
    """The Chinese text of a refusal, with the fields, values and allowed values it names kept as they are
    (marked ``translate="no"``: they are codes and data); None when the code has no Chinese text yet."""
    text = PROBLEMS_ZH.get(exc.code)
    if text is None:
        return None
    out = escape(text)
    for field, value, allowed in _detail_items(exc):
        # translate="no": a field name and allowed values are codes, the value is what was sent (data)
        out += Markup('<br>字段 <code translate="no">{}</code>，值 <code translate="no">{}</code>').format(
            field, "" if value is None else value)
        if allowed not in (None, ""):
            out += Markup('，允许 <code translate="no">{}</code>').format(allowed)
    return out
