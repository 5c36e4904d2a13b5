"""The admin pages' texts in English and Chinese: one small catalogue, looked up by key.

The language comes from the session (set by the switch in the page header),
else from the browser's Accept-Language, else English.
"""

from __future__ import annotations

from flask import g, request, session

from shared.errors import TrialproError

LANGUAGES = ("en", "zh")

CATALOGUE: dict[str, tuple[str, str]] = {
    "app.title": ("trialpro admin", "trialpro 管理"),
    "nav.dashboard": ("Dashboard", "研究概览"),
    "nav.participants": ("Participants", "受试者"),
    "nav.adverse_events": ("Adverse events", "不良事件"),
    "nav.deviations": ("Protocol deviations", "方案偏离"),
    "dv.explain": ("Recorded by staff, or raised by the visit windows of the study file (visits out of window "
                   "and missed visits).", "由工作人员记录，或根据研究方案的访视窗口自动产生（超窗访视和缺失访视）。"),
    "dv.severity": ("Severity", "严重程度"),
    "dv.all": ("all", "全部"),
    "dv.major": ("major", "重大"),
    "dv.minor": ("minor", "轻微"),
    "dv.date": ("Date", "日期"),
    "dv.category": ("Category", "类别"),
    "dv.description": ("Description", "描述"),
    "dv.source": ("Source", "来源"),
    "dv.source.staff": ("recorded by staff", "工作人员记录"),
    "dv.source.rule": ("visit rule", "访视规则"),
    "dv.rule.out_of_window": ("out of window", "超窗"),
    "dv.rule.missed": ("missed visit", "缺失访视"),
    "dv.none": ("No protocol deviation.", "没有方案偏离。"),
    "nav.devices": ("Devices", "设备"),
    "nav.audit": ("Audit trail", "稽查轨迹"),
    "nav.exports": ("Exports", "数据导出"),
    "nav.sign_out": ("Sign out", "退出"),
    "signin.title": ("Sign in", "登录"),
    "signin.username": ("User name", "用户名"),
    "signin.password": ("Password", "密码"),
    "signin.submit": ("Sign in", "登录"),
    "signin.required": ("Please sign in to see this page.", "请登录后查看此页面。"),
    "nav.password": ("Change password", "修改密码"),
    "password.current": ("Current password", "当前密码"),
    "password.new": ("New password", "新密码"),
    "password.rule": ("At least 12 characters, not a common or easily guessed password. A few unrelated words "
                      "are easy to remember.",
                      "至少12个字符，且不能是常见或容易猜到的密码。几个不相关的词组合易于记忆。"),
    "password.submit": ("Change password", "修改密码"),
    "password.changed": ("Password changed. Your other sessions have ended.", "密码已修改，其他会话已结束。"),
    "error.title": ("Not possible", "无法完成"),
    "error.back": ("Back to the dashboard", "返回研究概览"),
    "dash.enrolment": ("Enrolment per arm", "各组入组情况"),
    "dash.arm": ("Arm", "组别"),
    "dash.enrolled": ("Enrolled", "已入组"),
    "dash.target": ("Target", "目标"),
    "dash.visits": ("Visits", "访视"),
    "dash.visit": ("Visit", "访视"),
    "dash.done": ("Done", "已完成"),
    "dash.overdue": ("Overdue", "已逾期"),
    "dash.due": ("Due now", "窗口期内"),
    "dash.devices": ("Last sync per device", "各设备最近同步"),
    "dash.sae_alerts": ("Serious adverse events awaiting report to the sponsor (24 h from the site's awareness)",
                        "待向申办方报告的严重不良事件（自研究中心获知起24小时内）"),
    "dash.no_sae": ("No serious adverse event awaits a report.", "无待报告的严重不良事件。"),
    "col.participant": ("Participant", "受试者"),
    "col.site": ("Site", "中心"),
    "col.arm": ("Arm", "组别"),
    "col.status": ("Status", "状态"),
    "col.enrolled_at": ("Enrolled", "入组时间"),
    "col.device": ("Device", "设备"),
    "col.label": ("Label", "名称"),
    "col.last_seen": ("Last sync", "最近同步"),
    "col.enrolled": ("Enrolled", "注册时间"),
    "col.revoked": ("Revoked", "已吊销"),
    "col.term": ("Term", "事件名称"),
    "col.grade": ("Grade", "分级"),
    "col.serious": ("Serious", "严重"),
    "col.onset": ("Onset", "开始日期"),
    "col.outcome": ("Outcome", "转归"),
    "col.received": ("Received", "接收时间"),
    "col.visit": ("Visit", "访视"),
    "col.expected": ("Expected", "预计日期"),
    "col.window_end": ("Window ends", "窗口截止"),
    "col.done_on": ("Done on", "完成日期"),
    "col.record": ("Record", "记录"),
    "col.kind": ("Kind", "类型"),
    "col.instrument": ("Instrument", "量表"),
    "col.revision": ("Revision", "版本"),
    "col.collected": ("Collected", "采集时间"),
    "col.when": ("When (UTC, and at the site)", "时间（UTC 及中心当地时间）"),
    "col.actor": ("Who", "操作人"),
    "col.action": ("Action", "操作"),
    "col.entity": ("What", "对象"),
    "col.old": ("Old value", "原值"),
    "col.new": ("New value", "新值"),
    "col.reason": ("Reason", "原因"),
    "status.done": ("done", "已完成"),
    "status.overdue": ("overdue", "已逾期"),
    "status.due": ("due now", "窗口期内"),
    "status.upcoming": ("upcoming", "未到期"),
    "status.not_applicable": ("—", "—"),
    "status.missed": ("missed", "缺失访视"),
    "status.out_of_window": ("outside its window", "超出访视窗口"),
    "status.ended": ("not expected (study ended)", "无需访视（已结束研究）"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "never": ("never", "从未"),
    "active": ("active", "使用中"),
    "participants.search": ("Find a participant", "查找受试者"),
    "participants.search_button": ("Search", "搜索"),
    "participants.any": ("any", "全部"),
    "participants.none": ("No participant matches.", "没有匹配的受试者。"),
    "participant.timeline": ("Visit timeline", "访视时间线"),
    "participant.vas": ("Patient global VAS (mm, 0–100, higher = worse)", "患者总体VAS（毫米，0–100，越高越差）"),
    "participant.index": ("{name} (0–{top}, higher = worse)", "{name}（0–{top}，越高越差）"),
    "participant.aes": ("Adverse events", "不良事件"),
    "participant.labs": ("Lab results", "实验室检查结果"),
    "participant.lab_proposals": ("Graded lab abnormalities without an adverse event (CTCAE v5.0)",
                                  "尚无不良事件记录的分级实验室异常（CTCAE v5.0）"),
    "col.test": ("Test", "检查项目"),
    "col.value": ("Value", "结果"),
    "col.normal_range": ("Normal range", "参考范围"),
    "col.flag": ("Flag", "提示"),
    "col.sample_date": ("Sample date", "采样日期"),
    "participant.records": ("Records", "记录"),
    "participant.no_data": ("No values yet.", "暂无数据。"),
    "participant.correct": ("Correct", "更正"),
    "dosing.title": ("Dosing (from the dosing diaries)", "用药（来自用药日志）"),
    "dosing.first_dose": ("First dose", "首次用药"),
    "dosing.none": ("no dose reported yet", "尚无用药记录"),
    "dosing.compliance": ("Compliance", "依从性"),
    "dosing.overall": ("all study drugs", "全部研究药物"),
    "dosing.taken": ("{taken} of {expected} expected doses ({pct})", "{taken} / 预期 {expected} 次（{pct}）"),
    "dosing.days": ("{days} days covered, {first} to {last}", "覆盖 {days} 天：{first} 至 {last}"),
    "dosing.date": ("Date", "日期"),
    "correct.title": ("Correct a record", "更正记录"),
    "correct.current": ("Current value", "当前值"),
    "correct.new": ("New value", "新值"),
    "correct.reason": ("Reason for the change (required)", "更正原因（必填）"),
    "correct.submit": ("Save the correction", "保存更正"),
    "correct.history": ("Revisions of this record", "本记录的各版本"),
    "correct.saved": ("Correction saved as revision {revision}; the kiosk receives it at its next sync.",
                      "已保存为第{revision}版；设备将在下次同步时收到。"),
    "correct.reason_missing": ("Give the reason for the change.", "请填写更正原因。"),
    "correct.nothing_changed": ("Nothing was changed: change at least one value.", "没有改动：请至少修改一个值。"),
    "ae.filters": ("Filters", "筛选"),
    "ae.serious_only": ("Serious only", "仅严重"),
    "ae.grade3": ("Grade 3 or higher", "3级及以上"),
    "ae.all_arms": ("All arms", "全部组别"),
    "ae.apply": ("Apply", "应用"),
    "ae.none": ("No adverse event matches.", "没有匹配的不良事件。"),
    "devices.new_code": ("New enrolment code", "新建设备注册码"),
    "devices.create": ("Create code", "生成注册码"),
    "devices.code_shown_once": ("One-time enrolment code for site {site} (valid 72 h, shown once):",
                                "{site}中心的一次性注册码（72小时内有效，仅显示一次）："),
    "devices.revoke": ("Revoke", "吊销"),
    "devices.revoke_reason": ("Reason", "原因"),
    "devices.revoked": ("Device {device} revoked: its syncs are now refused.", "设备{device}已吊销，其同步将被拒绝。"),
    "audit.search": ("Search (actor, action, entity, value)", "搜索（操作人、操作、对象、值）"),
    "audit.verify": ("Verify the chain now", "立即校验"),
    "audit.holds": ("The audit chain holds.", "稽查链完整。"),
    "audit.broken": ("The audit chain is BROKEN.", "稽查链已被破坏！"),
    "audit.older": ("Older entries", "更早的记录"),
    "audit.none": ("No entry matches.", "没有匹配的记录。"),
    "exports.title": ("Export the study data", "导出研究数据"),
    "exports.format": ("Format", "格式"),
    "exports.site": ("Site", "中心"),
    "exports.all_sites": ("All my sites", "我的全部中心"),
    "exports.download": ("Start the export", "开始导出"),
    "exports.jobs": ("Your exports", "您的导出"),
    "exports.none": ("No export yet.", "尚无导出。"),
    "exports.rows": ("rows", "行"),
    "exports.get": ("Download (zip)", "下载（zip）"),
    "exports.running": ("An export of yours is running; the next one can start when it is done.",
                        "您的一个导出正在进行，完成后才能开始下一个。"),
    "exports.queued": ("The export was queued; it runs in the background.", "导出已排队，将在后台运行。"),
    "exports.status.queued": ("queued", "排队中"),
    "exports.status.running": ("running", "进行中"),
    "exports.status.done": ("done", "已完成"),
    "exports.status.failed": ("failed", "失败"),
    "exports.note": ("Each export is recorded in the audit trail.", "每次导出都会记录在稽查轨迹中。"),
    "lang.switch": ("中文", "English"),
    "nav.users": ("Accounts", "账户"),
    "users.add": ("Add account", "添加账户"),
    "users.display_name": ("Display name", "显示名称"),
    "users.roles": ("Roles", "角色"),
    "users.disabled": ("disabled", "已停用"),
    "users.locked": ("locked until", "锁定至"),
    "users.reset": ("Reset password", "重置密码"),
    "users.disable": ("Disable", "停用"),
    "users.password_once": ("Password for {username} (shown once; give it to them in person):",
                            "{username}的密码（仅显示一次，请当面交给本人）："),
    # --- screening log (issue 15)
    "nav.screening": ("Screening log", "筛选记录"),
    "screening.counts": ("Screened {screened}: {failures} screen failures, {pending} pending, {eligible} eligible "
                         "and not yet randomised, {randomised} randomised.",
                         "已筛选{screened}人：筛选失败{failures}人，待定{pending}人，合格未随机{eligible}人，"
                         "已随机{randomised}人。"),
    "screening.date": ("Screened", "筛选日期"),
    "screening.consent": ("Consent", "知情同意"),
    "screening.age": ("Age at consent", "知情同意时年龄"),
    "screening.outcome": ("Outcome", "结果"),
    "screening.failed": ("Criteria not met", "未符合的标准"),
    "screening.outcome.eligible": ("eligible", "合格"),
    "screening.outcome.screen_failure": ("screen failure", "筛选失败"),
    "screening.outcome.pending": ("pending", "待定"),
    "screening.none": ("Nobody screened yet.", "尚无筛选记录。"),
    "role.admin": ("admin", "管理员"),
    "role.data_manager": ("data manager", "数据管理员"),
    "role.investigator": ("investigator", "研究者"),
    "role.nurse": ("nurse", "研究护士"),
    "role.monitor": ("monitor (queries, SDV)", "监查员（质疑、SDV）"),
    # --- data queries and SDV (issue 19)
    "nav.queries": ("Queries", "数据质疑"),
    "queries.title": ("Data queries", "数据质疑"),
    "queries.unresolved": ("Unresolved", "未解决"),
    "queries.all": ("All", "全部"),
    "queries.none": ("No query.", "没有质疑。"),
    "queries.open_count": ("{n} unresolved, the oldest {days} days old", "{n}条未解决，最早的已{days}天"),
    "queries.none_open": ("No unresolved query.", "没有未解决的质疑。"),
    "query.title": ("Query", "质疑"),
    "query.field": ("Field", "字段"),
    "query.value": ("Value", "值"),
    "query.state": ("State", "状态"),
    "query.age": ("Age (days)", "天数"),
    "query.raised_by": ("Raised by", "提出人"),
    "query.rule": ("Rule", "规则"),
    "query.thread": ("Thread", "往来记录"),
    "query.message": ("Message", "内容"),
    "query.raise": ("Raise a query on one field", "对一个字段提出质疑"),
    "query.raise_submit": ("Raise the query", "提出质疑"),
    "query.raised": ("Query raised; the site sees it on the web and on its kiosks after their next sync.",
                     "质疑已提出；中心可在网页上及设备下次同步后看到。"),
    "query.saved": ("Saved: the query is now {state}.", "已保存：质疑现为{state}。"),
    "query.step.answer": ("Answer", "回复"),
    "query.step.close": ("Close", "关闭"),
    "query.step.reopen": ("Re-open", "重新打开"),
    "query.state.open": ("open", "待回复"),
    "query.state.answered": ("answered", "已回复"),
    "query.state.closed": ("closed", "已关闭"),
    "query.state.reopened": ("re-opened", "已重新打开"),
    "query.record": ("Record", "记录"),
    "query.open_record": ("Queries and SDV", "质疑与SDV"),
    "sdv.title": ("Source data verification", "源数据核查"),
    "sdv.verified": ("verified", "已核查"),
    "sdv.changed": ("changed since verified", "核查后已更改"),
    "sdv.not_verified": ("not verified", "未核查"),
    "sdv.verify": ("Mark this revision verified", "标记此版本已核查"),
    "sdv.saved": ("Revision marked source-data verified.", "此版本已标记为源数据已核查。"),
    "sdv.by": ("by {who} at {at}", "{who}于{at}"),
}


def language() -> str:
    """The viewer's language: session choice, then Accept-Language, then English."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if not request:
        return "en"
    if "trialpro_accept_language" not in g:   # every t() of a page asks: parse the header once per request
        best = request.accept_languages.best_match(["en", "zh", "zh-CN"])
        g.trialpro_accept_language = "zh" if best and best.startswith("zh") else "en"
    return str(g.trialpro_accept_language)


def t(key: str, **values: object) -> str:
    """The text for ``key`` in the viewer's language (the key itself when missing, so gaps show)."""
    pair = CATALOGUE.get(key)
    if pair is None:
        return key
    text = pair[1] if language() == "zh" else pair[0]
    return text.format(**values) if values else text


def seriousness(code: str) -> str:
    """An ICH E2A seriousness criterion in the viewer's language (the study's own texts)."""
    from shared.adverse_events import SERIOUSNESS_CRITERIA

    text = SERIOUSNESS_CRITERIA.get(code)
    if text is None:
        return code
    return text.zh if language() == "zh" else text.en


def ae_outcome(code: str | None) -> str:
    """An AE outcome code in the viewer's language (the texts of shared/adverse_events.py)."""
    from shared.adverse_events import OUTCOMES

    text = OUTCOMES.get(code or "")
    if text is None:
        return code or ""
    return text.zh if language() == "zh" else text.en


def entity_type(code: str) -> str:
    """What kind of thing an audit entry is about, in the viewer's language (the code when not catalogued)."""
    return t(f"entity.{code}") if f"entity.{code}" in CATALOGUE else code


def arm_name(code: str | None) -> str:
    """An arm of the study by its name in the viewer's language (the code itself for an unknown arm)."""
    from flask import current_app

    for arm in current_app.extensions["trialpro"].study.arms:
        if arm.code == code:
            return arm.name_zh if language() == "zh" else arm.name
    return code or ""


def problem_message(exc: TrialproError) -> str:
    """A refusal's message in the viewer's language: the Chinese text of its code (server/web/i18n_problems.py)
    with the fields and values it names, else its English message."""
    if language() == "zh":
        from server.web.i18n_problems import problem_zh

        zh = problem_zh(exc)
        if zh is not None:
            return zh
    return exc.message


def _merge_parts() -> None:
    """Pages kept in their own text modules (sign-off, issue 19) add their entries to the one catalogue."""
    from server.web.i18n_clinical_record import TEXTS as clinical_record
    from server.web.i18n_signoff import TEXTS as signoff

    CATALOGUE.update(signoff)
    CATALOGUE.update(clinical_record)
    from server.web.i18n_ae import TEXTS as adverse_events

    CATALOGUE.update(adverse_events)
    from server.web.i18n_guide import TEXTS as guide  # issue 23: counts that lead, records by name, forms

    CATALOGUE.update(guide)
    from server.web.i18n_tables import TEXTS as tables  # issue 23: sortable tables, every page in Chinese

    CATALOGUE.update(tables)
    from server.web.i18n_home import TEXTS as home  # issue 24: home diary activation, app devices

    CATALOGUE.update(home)


_merge_parts()
