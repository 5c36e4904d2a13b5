"""A QuestionnaireResponse says which language the participant read, and shows the items in it."""

from __future__ import annotations

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from server.exports.fhir import questionnaire_response
from shared.instruments import get_instrument
from shared.records import new_record
from shared.study import default_study


def _vas(language: str | None) -> dict:
    return new_record(kind="instrument_response", study_id="NCT05605665", study_version="1.0.0", site_id="PKU",
                      participant_id="PKU-001", data={"activity": 12}, entered_by="participant",
                      device_id="dev-x", visit_id="week2", instrument_id="patient_global_vas",
                      instrument_version="1.0", language=language)


def test_a_chinese_answer_set_is_exported_as_zh_cn_with_chinese_item_text() -> None:
    inst = get_instrument("patient_global_vas")
    resource = questionnaire_response(_vas("zh"), inst, {"reference": "Patient/PKU-001"}, default_study(),
                                      None)
    parsed = QuestionnaireResponse.model_validate(resource)
    assert parsed.language == "zh-CN"
    assert parsed.item[0].text == inst.items[0].label.zh


def test_a_staff_entry_has_no_language_and_english_item_text() -> None:
    inst = get_instrument("patient_global_vas")
    resource = questionnaire_response(_vas(None), inst, {"reference": "Patient/PKU-001"}, default_study(),
                                      None)
    assert "language" not in resource
    assert QuestionnaireResponse.model_validate(resource).item[0].text == inst.items[0].label.en
