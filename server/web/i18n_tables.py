"""Texts of the sortable, paged admin tables and the audit detail (issue 23, points 4 and 5), en and zh."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "table.pages": ("Pages", "分页"),
    "table.previous": ("Previous", "上一页"),
    "table.next": ("Next", "下一页"),
    "table.page": ("Page {page}", "第{page}页"),
    "table.per_page": ("Rows per page:", "每页行数："),
    "ae.search": ("Participant or term", "受试者或事件名称"),
    "queries.search": ("Participant, field or rule", "受试者、字段或规则"),
    "devices.search": ("Device or label", "设备或名称"),
    "participant.status.enrolled": ("on study", "研究中"),
    "participant.status.completed": ("completed", "已完成研究"),
    "participant.status.discontinued": ("discontinued", "已退出研究"),
    "entity.record": ("record", "记录"),
    "entity.device": ("device", "设备"),
    "entity.site": ("site", "中心"),
    "entity.allocation_list": ("allocation list", "随机分配表"),
    "entity.lab_result": ("lab result", "实验室检查结果"),
    "entity.lab_file": ("lab file", "实验室数据文件"),
    "entity.user": ("account", "账户"),
    "entity.query": ("query", "质疑"),
    "entity.export": ("export", "导出"),
    "entity.export_job": ("export job", "导出任务"),
    "entity.study": ("study", "研究"),
    "entity.participant": ("participant", "受试者"),
    "entity.signature": ("signature", "签名"),
    "entity.meddra": ("MedDRA release", "MedDRA词典"),
    "entity.checkpoint": ("checkpoint", "校验点"),
    "entity.session": ("session", "会话"),
    "lab.flag.LOW": ("LOW", "偏低"),        # LBNRIND of a lab result on the participant page
    "lab.flag.HIGH": ("HIGH", "偏高"),
    "lab.flag.NORMAL": ("NORMAL", "正常"),
    "coding.llt_code": ("LLT code", "LLT编码"),
    "exports.format.csv": ("CSV", "CSV"),
    "exports.format.xlsx": ("Excel (XLSX)", "Excel（XLSX）"),
    "exports.format.odm": ("CDISC ODM", "CDISC ODM"),
    "exports.format.sdtm": ("SDTM", "SDTM"),
    "exports.format.fhir": ("FHIR R4", "FHIR R4"),
    "exports.format.report": ("Study report (PDF)", "研究报告（PDF）"),
    "exports.format.adam": ("ADaM", "ADaM"),
    "audit.summary_ok": ("audit chain holds: {entries} entries, {checkpoints} signed checkpoint(s) match",
                         "稽查链完整：共{entries}条记录，{checkpoints}个已签名校验点一致"),
    "audit.summary_witnesses": (", {n} witness(es) agree", "，{n}个见证一致"),
    "audit.summary_newest": ("; newest checkpoint at entry {seq} signed {at}", "；最新校验点位于第{seq}条，签名于{at}"),
    "audit.summary_none": ("; no checkpoint yet", "；尚无校验点"),
    "audit.summary_broken": ("audit chain BROKEN at entry {seq}: {problem}", "稽查链在第{seq}条处被破坏：{problem}"),
    "audit.changed": ("Changed by this correction", "本次更正修改的字段"),
    "audit.unchanged": ("{n} other field(s) unchanged", "其余{n}个字段未改"),
    "audit.no_change": ("no field changed", "没有字段改变"),
    "audit.as_stored": ("as stored", "存储的原始值"),
    # the exports page: what each format is for and who reads it, the date range (issue 23, point 4)
    "exports.about": ("What each format is for", "各格式的用途"),
    "exports.about.csv": ("One CSV file per questionnaire and record kind, with a data dictionary of every column: "
                          "for data managers and statisticians who check or analyse the data (R, SAS, Python).",
                          "每个量表和记录类型各一个CSV文件，附每一列的数据字典：供数据管理员和统计师用统计软件核查或"
                          "分析数据。"),
    "exports.about.xlsx": ("The same tables as the CSV export in one Excel workbook, a sheet each: for monitors and "
                           "site staff who review the data in Excel.",
                           "与CSV导出相同的表格，合在一个Excel工作簿中，每表一页：供监查员和中心人员在Excel中查阅。"),
    "exports.about.odm": ("CDISC ODM 1.3.2 XML with every revision and its audit trail: for the archive and for "
                          "moving the data into another EDC system or to an inspector.",
                          "CDISC ODM 1.3.2 格式的XML，包含每个版本及其稽查轨迹：用于归档，或将数据迁入其他电子数据"
                          "采集系统、交给稽查员。"),
    "exports.about.sdtm": ("SDTM domains as XPT, Dataset-JSON and CSV with Define-XML 2.1: for a regulatory "
                           "submission and the sponsor's statisticians.",
                           "SDTM 各域数据集（XPT、Dataset-JSON、CSV），附 Define-XML 2.1：用于向监管机构递交，"
                           "供申办方统计师使用。"),
    "exports.about.fhir": ("HL7 FHIR R4 Bundles (research subjects, observations, adverse events): for hospital "
                           "systems and registries that read FHIR.",
                           "FHIR R4 数据包（研究受试者、观察结果、不良事件）：供读取 FHIR 的医院系统和登记库使用。"),
    "exports.about.report": ("The study report as PDF and HTML, every table also as CSV: enrolment flow, "
                             "compliance, outcomes and safety, for investigators, the sponsor and the safety board.",
                             "研究报告（PDF与HTML，每个表格另附CSV）：入组流程、依从性、疗效与安全性，供研究者、"
                             "申办方和数据安全监查委员会阅读。"),
    "exports.about.adam": ("ADaM analysis datasets (subject level, scores, laboratory, adverse events) as XPT and "
                           "Dataset-JSON with Define-XML: for the statisticians who run the planned analysis.",
                           "ADaM 分析数据集（受试者水平、评分、实验室、不良事件），XPT与Dataset-JSON格式，附"
                           "Define-XML：供执行预定分析的统计师使用。"),
    "exports.from": ("Collected from", "起始日期"),
    "exports.to": ("to", "截止日期"),
    "exports.range": ("Dates", "日期范围"),
    "exports.range_help": ("Records collected (lab samples taken) on or after the first and on or before the second "
                           "date (UTC dates, as the CLI's --from and --to); leave empty for every date.",
                           "只导出在起始日期当天或之后、截止日期当天或之前采集的记录（实验室样本按采样日期；"
                           "按UTC日期，与命令行导出的日期范围相同）；留空则导出全部日期。"),
    "exports.col.range": ("Dates", "日期范围"),
    "exports.every_date": ("every date", "全部日期"),
    "exports.field.from": ("from", "起始日期"),
    "exports.field.to": ("to", "截止日期"),
    "exports.field.format": ("format", "格式"),
    "exports.field.site": ("site", "中心"),
    "exports.bad_date": ("{field}: {value} is not a date", "{field}：“{value}”不是日期（请按 YYYY-MM-DD 填写，"
                         "如 2026-05-01）"),
    "exports.bad_range": ("from {value} is after to {to}",
                          "起始日期 {value} 晚于截止日期 {to}：起始日期不能晚于截止日期"),
    "exports.bad_choice": ("{field}: {value} is not allowed", "{field}：“{value}”不可选"),
    "query.by_rules": ("the query rules (system)", "质疑规则（系统）"),
    "dosing.each_day": ("The study drugs taken each day ({n} days)", "每日研究药物用药情况（{n}天）"),
}
