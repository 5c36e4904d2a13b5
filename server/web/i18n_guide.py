"""Texts of the pages that guide (issue 23, points 1-3): dashboard counts that lead to their participants,
silent kiosks, SAE acknowledgement, records by their names and values, the correction form (en, zh)."""

from __future__ import annotations

from shared.errors import FieldProblem
from shared.record_fields import RANDOMISATION_RULE

TEXTS: dict[str, tuple[str, str]] = {
    # --- dashboard counts and the participants behind them (point 1)
    "dash.any_visit": ("Any visit", "任一访视"),
    "dash.course": ("Course of the study", "研究进程"),
    "dash.on_study": ("On study", "研究中"),
    "dash.completed": ("Completed", "已完成研究"),
    "dash.discontinued": ("Discontinued", "已退出研究"),
    "dash.screen_failures": ("Screen failures", "筛选失败"),
    "dash.silent_kiosks": ("Kiosks silent for more than {days} days", "超过{days}天未同步的设备"),
    "dash.no_silent_kiosk": ("Every kiosk has synced recently.", "所有设备近期均已同步。"),
    "dash.sae_people": ("Participants with an SAE awaiting report", "有待报告严重不良事件的受试者"),
    "dash.query_people": ("Participants with unresolved queries", "有未解决质疑的受试者"),
    "sae.acknowledge": ("Acknowledge: mark as reported", "确认：标记为已报告"),
    "cohort.showing": ("Showing only", "仅显示"),
    "cohort.everyone": ("show everyone", "显示全部"),
    "cohort.enrolled": ("enrolled", "已入组"),
    "cohort.due": ("visit due now", "访视在窗口期内"),
    "cohort.overdue": ("visit overdue", "访视已逾期"),
    "cohort.done": ("visit done", "访视已完成"),
    "cohort.on_study": ("on study", "研究中"),
    "cohort.completed": ("completed the study", "已完成研究"),
    "cohort.discontinued": ("discontinued", "已退出研究"),
    "cohort.screen_failure": ("screen failures", "筛选失败"),
    "cohort.open_queries": ("with unresolved queries", "有未解决质疑"),
    "cohort.sae_awaiting": ("with an SAE awaiting report", "有待报告的严重不良事件"),
    # --- missed home diary days (issue 24, point 4)
    "cohort.missed_diary_days": ("with missed home diary days", "有漏填居家日志的天数"),
    "dash.missed_diary_days": ("Missed home diary days", "漏填居家日志"),
    "home.diary": ("Home diary (phone)", "居家日志（手机）"),
    "home.missed": ("Missed diary days ({n})", "漏填日志的天数（{n}）"),
    "home.none_missed": ("No diary day missed.", "没有漏填的日志。"),
    # --- records by their names and values, with their history (point 2)
    "col.values": ("Values", "数值"),
    "record.version": ("instrument version {version}", "量表版本 {version}"),
    "record.changes": ("What changed", "更改内容"),
    "record.by_participant": ("the participant (kiosk)", "受试者（自助终端）"),
    "record.first_entry": ("first entry", "首次录入"),
    "record.no_definition": ("This kind of record has no field definition: its values are shown as stored.",
                             "此类记录没有字段定义：按存储原样显示。"),
    # --- the correction form built from the record's fields (point 3)
    "correct.no_definition": ("This kind of record has no field definition, so it cannot be corrected on a form "
                              "here: correct it where it was entered.",
                              "此类记录没有字段定义，无法在此用表单更正：请在录入处更正。"),
    "correct.fixed": ("Not editable here", "此处不可修改"),
    "correct.no_answer": ("no answer", "不填"),
    "correct.score_recomputed": ("computed again from the corrected answers", "将按更正后的答案重新计算"),
    "correct.nothing_editable": ("No field of this record may be corrected here.", "此记录没有可在此更正的字段。"),
    "correct.range": ("from {min} to {max}", "范围 {min} 至 {max}"),
    "problem.value.required": ("required: give an answer", "必填：请作答"),
    "problem.value.not_a_choice": ("not one of the choices", "不是可选项之一"),
    "problem.value.not_true_or_false": ("answer yes or no", "请选择是或否"),
    "problem.value.not_whole_number": ("not a whole number", "不是整数"),
    "problem.value.not_number": ("not a number", "不是数字"),
    "problem.value.below_range": ("below the allowed range", "低于允许范围"),
    "problem.value.above_range": ("above the allowed range", "高于允许范围"),
    "problem.value.date_invalid": ("not a date (YYYY-MM-DD)", "不是有效日期（YYYY-MM-DD）"),
    "problem.value.too_many_decimals": ("at most {decimals} decimal places", "最多{decimals}位小数"),
    "problem.value.date_future": ("lies in the future", "日期晚于录入当天"),
    "problem.value.not_text": ("must be text", "须为文字"),
    "problem.value.too_long": ("at most {max_length} characters", "最多{max_length}个字符"),
    "problem.value.only_with": ("leave empty unless the question it depends on is answered so",
                                "仅在其所依据的问题作相应回答时填写，否则请留空"),
    "problem.value.at_least_one": ("answer at least one of these questions so (e.g. one symptom present)",
                                   "请至少对其中一个问题作相应回答（例如至少一种症状）"),
    "problem.value.partial_date_invalid": ("not a date (YYYY-MM-DD, or YYYY-MM or YYYY when only that is known)",
                                           "不是有效日期（YYYY-MM-DD；仅知年月或年份时可填 YYYY-MM 或 YYYY）"),
    # the cross-field rules of the record kinds a correction form edits (shared/adverse_events.py, conmed.py,
    # vital_signs.py): every code they give has its words here (tests/unit/test_problem_words.py)
    "problem.ae.awareness_before_onset": ("the site cannot have learned of it before it began",
                                          "获知时间早于事件开始日期"),
    "problem.ae.awareness_invalid": ("a date and time with UTC offset, like 2026-03-01T09:30:00+08:00",
                                     "请填写带时区的日期和时间，例如 2026-03-01T09:30:00+08:00"),
    "problem.ae.awareness_required": ("required for a serious event: when the site learned of it",
                                      "严重不良事件必填：研究中心获知的日期和时间"),
    "problem.ae.causality_needed_for_arm_drug": ("the participant receives this drug: assess its causality",
                                                 "受试者使用此药物：请评估其相关性"),
    "problem.ae.death_before_onset": ("the date of death is before the onset date", "死亡日期早于发生日期"),
    "problem.ae.death_date_not_fatal": ("only given for a fatal outcome", "仅在结局为死亡时填写"),
    "problem.ae.death_date_required": ("required when the outcome is fatal", "结局为死亡时必填"),
    "problem.ae.death_needs_grade5": ("death as a criterion requires CTCAE grade 5",
                                      "以死亡为严重标准时 CTCAE 分级须为 5 级"),
    "problem.ae.drug_not_in_arm": ("not asked for a drug outside the participant's arm",
                                   "受试者组别不使用此药物，无需填写"),
    "problem.ae.end_after_death": ("the end date is after the participant's death", "结束日期晚于死亡日期"),
    "problem.ae.end_before_onset": ("the end date is before the onset date", "结束日期早于发生日期"),
    "problem.ae.end_date_required": ("required when the outcome is recovered, recovered with sequelae or fatal",
                                     "结局为痊愈、痊愈伴后遗症或死亡时必填"),
    "problem.ae.fatal_needs_grade5": ("'fatal' exactly when the grade is 5", "结局为死亡当且仅当分级为 5 级"),
    "problem.ae.grade5_needs_death": ("grade 5 (death) requires a serious event with death ticked",
                                      "5 级（死亡）须为严重事件并勾选死亡"),
    "problem.ae.nonserious_reason_required": ("a grade 4 or 5 event recorded as not serious needs a reason",
                                              "4 级或 5 级事件记为非严重时须填写理由"),
    "problem.ae.nonserious_reason_unexpected": ("only for a grade 4 or 5 event recorded as not serious",
                                                "仅在 4 级或 5 级事件记为非严重时填写"),
    "problem.ae.term_en_invalid": ("an English term of 1-200 ASCII characters, or empty",
                                   "请填写 1–200 个 ASCII 字符的英文术语，或留空"),
    "problem.conmed.atc_class_unknown": ("not an ATC class of the study file", "不是研究方案文件中的 ATC 分类"),
    "problem.conmed.dose_needs_unit": ("dose and unit go together", "剂量与单位须同时填写"),
    "problem.conmed.end_before_start": ("the end date is before the start date", "停药日期早于开始日期"),
    "problem.conmed.end_required": ("required when the medication is not ongoing", "未在持续用药时必填停药日期"),
    "problem.conmed.end_while_ongoing": ("an ongoing medication has no end date", "持续用药无停药日期"),
    "problem.vitals.bp_incomplete": ("blood pressure needs both systolic and diastolic",
                                     "血压须同时填写收缩压和舒张压"),
    "problem.vitals.diastolic_not_below_systolic": ("the diastolic is not below the systolic pressure",
                                                    "舒张压不低于收缩压"),
    "problem.vitals.empty": ("holds no measurement", "未填写任何测量值"),
    "problem.vitals.implausible": ("outside the plausible range {minimum} to {maximum} {unit}",
                                   "超出合理范围 {minimum} 至 {maximum} {unit}"),
    "problem.correction.locked_field": ("may not be corrected: {rule}", "不可更正：{rule_zh}"),
    "problem.sae.reported_at_invalid": ("Reported to the sponsor at: not a date and time",
                                        "向申办方报告时间：不是有效的日期和时间"),
    "problem.sae.reported_at_outside": ("Reported to the sponsor at: must lie between the site's awareness "
                                        "({awareness}) and now",
                                        "向申办方报告时间：须介于研究中心获知时间（{awareness}）与当前时间之间"),
    "problem.sae.reference_invalid": ("Sponsor reference: 1-200 characters", "申办方编号：须为 1–200 个字符"),
    "problem.got": ("you gave", "填写的值"),
}


def problem_text(problem: FieldProblem) -> str:
    """A refused field's problem in the viewer's language: the rule's own words where the catalogue has them
    (with the value given), else the problem's English message (which names field, value and what is allowed)."""
    from server.web.i18n import CATALOGUE, language, t

    key = f"problem.{problem.code}"
    if not problem.code or key not in CATALOGUE:
        return problem.message
    params = {k: v for k, v in problem.params.items()}
    if problem.code == "correction.locked_field":
        params["rule_zh"] = RANDOMISATION_RULE.zh
        return t(key, **params) if language() == "zh" else problem.message
    text = t(key, **params)
    if problem.value is not None and problem.value != "":
        text += f" ({t('problem.got')}: {problem.value})"
    return f"{text}; {problem.allowed}" if language() == "en" else text


# The audit trail's action codes in words (issue 23 review): the page shows the label beside the code, which stays
# (inspectors search by it). ``<kind>.create`` / ``<kind>.correct`` are composed from the record kind's title.
ACTION_LABELS: dict[str, tuple[str, str]] = {
    "ae.code": ("AE coded (MedDRA)", "不良事件已编码（MedDRA）"),
    "allocation.generate": ("Allocation list generated", "已生成随机分配表"),
    "allocation.grant": ("Randomisation numbers granted", "已分配随机号"),
    "app.activate": ("Participant's app activated", "受试者应用已激活"),
    "app.code_create": ("App activation code created", "已生成应用激活码"),
    "app.code_void": ("Earlier app activation codes voided", "先前的应用激活码已作废"),
    "device.code_create": ("Kiosk enrolment code created", "已生成平板终端注册码"),
    "device.enrol": ("Kiosk enrolled", "平板终端已注册"),
    "device.revoke": ("Device revoked", "设备已停用"),
    "export.casebook": ("Casebook exported", "已导出病例报告"),
    "export.download": ("Export downloaded", "已下载导出文件"),
    "lab.import": ("Laboratory results imported", "已导入实验室结果"),
    "lab_result.correct": ("Laboratory result corrected", "实验室结果已更正"),
    "meddra.import": ("MedDRA release imported", "已导入 MedDRA 版本"),
    "participant.freeze": ("Participant's data frozen", "受试者数据已冻结"),
    "participant.unfreeze": ("Participant's data unfrozen", "受试者数据已解冻"),
    "query.raise": ("Query raised", "已发起质疑"),
    "query.answer": ("Query answered", "质疑已回复"),
    "query.close": ("Query closed", "质疑已关闭"),
    "query.reopen": ("Query reopened", "质疑已重新打开"),
    "record.sdv": ("Record source-verified", "记录已完成源数据核查"),
    "sae.reported": ("SAE reported to the sponsor", "严重不良事件已向申办方报告"),
    "screening.numbers_grant": ("Screening numbers granted", "已分配筛选号"),
    "signature.sign": ("Casebook signed", "病例报告已签署"),
    "study.lock": ("Study database locked", "研究数据库已锁定"),
    "study.unlock": ("Study database unlocked", "研究数据库已解锁"),
    "sync.batch": ("Kiosk sync received", "已接收平板终端同步"),
    "sync.conflict": ("Sync conflict kept aside", "同步冲突已另存待处理"),
    "user.create": ("Account created", "已创建账户"),
    "user.disable": ("Account disabled", "账户已停用"),
    "user.display_name": ("Display name changed", "显示名称已更改"),
    "user.lock": ("Account locked", "账户已锁定"),
    "user.password_change": ("Password changed", "密码已更改"),
    "user.reset": ("Password reset", "密码已重置"),
    "user.roles": ("Roles changed", "角色已更改"),
    "user.sign_in": ("Signed in", "已登录"),
    "user.sign_out": ("Signed out", "已退出登录"),
}
EXPORT_LABEL = ("Export ({fmt})", "数据导出")          # export.<format>: the code beside it names the format
RECORD_VERBS = {"create": ("created", "已创建"), "correct": ("corrected", "已更正")}


def action_label(action: str, lang: str | None = None) -> str:
    """The audit action ``action`` in words in ``lang`` (the viewer's by default); "" for a code the table does
    not know (the page then shows the code alone)."""
    from server.web.i18n import language
    from shared.record_fields import KIND_TITLES

    zh = (lang or language()) == "zh"
    if action in ACTION_LABELS:
        return ACTION_LABELS[action][1 if zh else 0]
    head, _, tail = action.partition(".")
    if head == "export" and tail:
        return EXPORT_LABEL[1 if zh else 0].format(fmt=tail)
    if head in KIND_TITLES and tail in RECORD_VERBS:
        title = KIND_TITLES[head]
        return f"{title.zh}{RECORD_VERBS[tail][1]}" if zh else f"{title.en} {RECORD_VERBS[tail][0]}"
    return ""
