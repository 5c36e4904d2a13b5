"""Texts of the participant page's clinical record (issue 18), merged into the one web catalogue by
``server.web.i18n`` (kept apart so parallel work on other pages does not collide here)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "clinical.medications": ("Concomitant medication", "合并用药"),
    "clinical.history": ("Medical history", "既往病史"),
    "clinical.vitals": ("Vital signs", "生命体征"),
    "clinical.pregnancy": ("Pregnancy tests", "妊娠试验"),
    "clinical.medication": ("Medication", "药物"),
    "clinical.class": ("Drug class (ATC)", "药物类别（ATC）"),
    "clinical.dose": ("Dose", "剂量"),
    "clinical.route": ("Route", "给药途径"),
    "clinical.frequency": ("Frequency", "频次"),
    "clinical.start": ("Start", "开始"),
    "clinical.end": ("End", "结束"),
    "clinical.ongoing": ("ongoing", "仍在持续"),
    "clinical.indication": ("Indication", "适应证"),
    "clinical.condition": ("Condition", "疾病"),
    "clinical.test_date": ("Test date", "检测日期"),
    "clinical.method": ("Method", "方法"),
    "clinical.result": ("Result", "结果"),
    "clinical.none": ("None recorded.", "暂无记录。"),
}
