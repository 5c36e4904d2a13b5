"""Texts of the pages that guide (issue 23, points 1-3): dashboard counts that lead to their participants,
silent kiosks, SAE acknowledgement, records by their names and values, the correction form (en, zh)."""

from __future__ import annotations

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
}
