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
}
