"""Every visible string of nurse mode goes through Qt's translation system and has a finished Chinese text."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QTranslator

from desktop_client.ui.i18n import I18N_DIR
from desktop_client.ui.i18n.build import unfinished

NURSE_TS = I18N_DIR / "nurse_zh_CN.ts"
NURSE_SOURCES = sorted((I18N_DIR.parent / "nurse").glob("*.py"))


def test_the_nurse_translation_source_is_current_and_finished(tmp_path: Path) -> None:
    """lupdate over today's code adds nothing new: every tr() text is in the .ts, each with a translation."""
    copy = tmp_path / NURSE_TS.name
    shutil.copy(NURSE_TS, copy)
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    out = subprocess.run([str(lupdate), *map(str, NURSE_SOURCES), "-no-obsolete", "-target-language", "zh_CN",
                          "-ts", str(copy)], check=True, capture_output=True, text=True).stdout
    assert "(0 new and " in out, out
    assert unfinished(copy) == []
    assert unfinished(NURSE_TS) == []


def test_the_compiled_chinese_file_loads_and_translates(qapp) -> None:
    translator = QTranslator()
    assert translator.load(str(NURSE_TS.with_suffix(".qm")))
    assert translator.translate("NurseHome", "Nurse mode") == "护士模式"
    assert translator.translate("Nurse", "age {0} is outside {1}-{2}") == "年龄{0}岁，不在{1}-{2}岁范围内"


def test_refusals_from_the_shared_validator_read_in_chinese(qapp) -> None:
    from functools import partial

    from desktop_client.ui.nurse.problems import problem_text as text_of
    from shared.errors import FieldProblem
    from shared.study import default_study
    from tests.ui.nurse_drive import app_language

    problem_text = partial(text_of, study=default_study())

    grade = FieldProblem("data.grade", 5, "grade 5 only with serious = yes and 'death' ticked", "data.grade: ...",
                         "ae.grade5_needs_death")
    missing = FieldProblem("data.causality.il2", None, "certain, probable", "data.causality.il2: ...")
    flat = FieldProblem("data.action_rapamycin", None, "none, reduced", "data.action_rapamycin: ...")
    level = FieldProblem("data.central_nervous", 1, "one of 0, 2, 3", "data.central_nervous: ...")
    unknown = FieldProblem("site_id", "XYZ", "PKU", "site_id: is not a site of this study")
    with app_language(qapp) as lang:
        assert problem_text(missing) == "Causality to IL-2: required, not filled in"
        lang.set("zh")
        assert problem_text(grade) == "CTCAE分级: 5级要求该事件为严重不良事件并勾选“导致死亡”"
        assert problem_text(missing) == "与IL-2的相关性: 必填，尚未填写"
        assert problem_text(flat) == "雷帕霉素采取的措施: 必填，尚未填写"
        assert problem_text(level) == "ESSDAI 中枢神经系统: 不允许的值1（允许：one of 0, 2, 3）"
        assert problem_text(unknown) == "site_id: is not a site of this study"   # never hidden
