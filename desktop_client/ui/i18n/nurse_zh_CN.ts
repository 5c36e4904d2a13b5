<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AdverseEventPage</name>
    <message>
        <location filename="../nurse/adverse_event.py" line="+80"/>
        <source>Adverse events</source>
        <translation>不良事件</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Participant</source>
        <translation>受试者</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Term</source>
        <translation>术语</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Onset</source>
        <translation>开始</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Grade</source>
        <translation>分级</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Serious</source>
        <translation>严重</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Revision</source>
        <translation>版本</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>New report</source>
        <translation>新建报告</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Correct the selected report</source>
        <translation>更正所选报告</translation>
    </message>
    <message>
        <location line="+9"/>
        <location line="+236"/>
        <source>New adverse event report</source>
        <translation>新不良事件报告</translation>
    </message>
    <message>
        <location line="-229"/>
        <source>Adverse event term</source>
        <translation>不良事件术语</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>needed for submission files when the term is in Chinese</source>
        <translation>术语为中文时，提交文件需要英文翻译</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>English translation</source>
        <translation>英文翻译</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>not linked to a visit</source>
        <translation>不关联访视</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Visit</source>
        <translation>访视</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Onset date</source>
        <translation>开始日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ended on</source>
        <translation>结束于</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>End date</source>
        <translation>结束日期</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CTCAE v5.0 grade</source>
        <translation>CTCAE v5.0 分级</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Grade {0}</source>
        <translation>{0}级</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Serious? (ICH E2A: any ticked criterion makes it serious)</source>
        <translation>是否严重？（ICH E2A：勾选任一标准即为严重不良事件）</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Site became aware (site time)</source>
        <translation>研究中心获知时间（当地时间）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>why this grade 4 or 5 event is not serious</source>
        <translation>说明该4级或5级事件为何不是严重不良事件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reason it is not serious</source>
        <translation>非严重的理由</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Relationship to each drug (WHO-UMC) and action taken</source>
        <translation>与各药物的相关性（WHO-UMC）及采取的措施</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Drug</source>
        <translation>药物</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Causality</source>
        <translation>相关性</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Action taken</source>
        <translation>采取的措施</translation>
    </message>
    <message>
        <location line="+9"/>
        <location line="+1"/>
        <location line="+6"/>
        <source>choose</source>
        <translation>请选择</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Outcome</source>
        <translation>转归</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Date of death</source>
        <translation>死亡日期</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Reason for the correction (required)</source>
        <translation>更正原因（必填）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Save report</source>
        <translation>保存报告</translation>
    </message>
    <message>
        <location line="+85"/>
        <source>Serious: YES</source>
        <translation>严重：是</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Serious: no</source>
        <translation>严重：否</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SERIOUS ADVERSE EVENT: report it to the sponsor within 24 hours of becoming aware. It is sent first at the next sync.</source>
        <translation>严重不良事件：获知后24小时内必须报告申办方。下次同步时将优先发送。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Report by {0} (site time).</source>
        <translation>请在{0}（中心当地时间）之前报告。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Pre-filled from the symptom checklist ({0}): {1}, {2}. Check every field before saving.</source>
        <translation>已根据症状清单预填（{0}）：{1}，{2}。保存前请核对每一项。</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Pre-filled from a lab result: {0}. Check every field before saving.</source>
        <translation>已根据实验室检查结果预填：{0}。保存前请核对每一项。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Select a saved report to correct.</source>
        <translation>请选择要更正的已保存报告。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Correcting: {0} (revision {1})</source>
        <translation>正在更正：{0}（第{1}版）</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>A correction needs a reason: say why the report changes.</source>
        <translation>更正必须填写原因：请说明报告为何修改。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Saved (revision {0}). To change it, correct it here with a reason.</source>
        <translation>已保存（第{0}版）。如需修改，请在此填写原因进行更正。</translation>
    </message>
</context>
<context>
    <name>ClinicalRecordPage</name>
    <message>
        <location filename="../nurse/clinical_record.py" line="+337"/>
        <source>Medications, history, vital signs</source>
        <translation>用药、病史、生命体征</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Participant</source>
        <translation>受试者</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>YYYY-MM-DD, or YYYY-MM / YYYY</source>
        <translation>YYYY-MM-DD，或 YYYY-MM / YYYY</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Medication</source>
        <translation>药物</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Drug class (ATC)</source>
        <translation>药物类别（ATC）</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+5"/>
        <location line="+2"/>
        <location line="+16"/>
        <location line="+2"/>
        <source>choose…</source>
        <translation>请选择…</translation>
    </message>
    <message>
        <location line="-24"/>
        <source>Dose</source>
        <translation>剂量</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Route</source>
        <translation>给药途径</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Frequency</source>
        <translation>频次</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+6"/>
        <source>Start date</source>
        <translation>开始日期</translation>
    </message>
    <message>
        <location line="-5"/>
        <location line="+6"/>
        <source>Ongoing</source>
        <translation>仍在持续</translation>
    </message>
    <message>
        <location line="-6"/>
        <source>still taken</source>
        <translation>仍在使用</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>End date</source>
        <translation>结束日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Indication</source>
        <translation>适应证</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Condition</source>
        <translation>疾病</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>still present</source>
        <translation>仍存在</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Test date</source>
        <translation>检测日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Medications</source>
        <translation>合并用药</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Medical history</source>
        <translation>既往病史</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Vital signs</source>
        <translation>生命体征</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Pregnancy tests</source>
        <translation>妊娠试验</translation>
    </message>
</context>
<context>
    <name>ClinicianPage</name>
    <message>
        <location filename="../nurse/clinician.py" line="+69"/>
        <source>Clinician scores</source>
        <translation>医生评分</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Participant</source>
        <translation>受试者</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Visit</source>
        <translation>访视</translation>
    </message>
    <message>
        <location line="+23"/>
        <location line="+32"/>
        <source>Reason for the correction (required)</source>
        <translation>更正原因（必填）</translation>
    </message>
    <message>
        <location line="-29"/>
        <source>Save {0}</source>
        <translation>保存{0}</translation>
    </message>
    <message>
        <location line="+63"/>
        <source>Save against {0}</source>
        <translation>仍按{0}保存</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>{0} total: rate all {1} domains ({2} rated)</source>
        <translation>{0}总分：请评估全部{1}个领域（已评{2}个）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{0} total: {1} of {2} ({3})</source>
        <translation>{0}总分：{1}/{2}（{3}）</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>{0} is not due at this visit (study file).</source>
        <translation>本次访视无需评估{0}（依据研究方案文件）。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>This visit already has {0}: give the reason for the correction.</source>
        <translation>本次访视已有{0}记录：请填写更正原因。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Saved: {0} {1} for {2}.</source>
        <translation>已保存：{2}的{0}为{1}。</translation>
    </message>
    <message>
        <location line="-171"/>
        <source>not rated</source>
        <translation>未评分</translation>
    </message>
    <message>
        <location line="-36"/>
        <source>Each level with its definition from the instrument file: touch the level or its definition.</source>
        <translation>每个等级及其定义（来自量表文件）：触摸等级或其定义即可选择。</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Score (0-10)</source>
        <translation>评分（0-10）</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Save Physician Global VAS</source>
        <translation>保存医生总体评估VAS</translation>
    </message>
    <message>
        <location line="+95"/>
        <source>Already recorded (revision {0}, {1}, by {2}). Saving makes a correction: give a reason.</source>
        <translation>已有记录（第{0}版，{1}，录入人{2}）。再次保存即为更正：请填写原因。</translation>
    </message>
    <message>
        <location line="+74"/>
        <source>This visit already has a Physician Global VAS: give the reason for the correction.</source>
        <translation>本次访视已有医生总体评估VAS：请填写更正原因。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Saved: Physician Global VAS {0} for {1}.</source>
        <translation>已保存：{1}的医生总体评估VAS为{0}。</translation>
    </message>
</context>
<context>
    <name>CoursePage</name>
    <message>
        <location filename="../nurse/course.py" line="+62"/>
        <source>Study course and deviations</source>
        <translation>研究进程与方案偏离</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Participant</source>
        <translation>受试者</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Disposition</source>
        <translation>研究结局</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Completed the study</source>
        <translation>完成研究</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Discontinued</source>
        <translation>提前终止</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+46"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location line="-42"/>
        <source>Reason (CDISC)</source>
        <translation>原因（CDISC）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>In words (required for other)</source>
        <translation>文字说明（选择“其他”时必填）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Reason for the correction (required)</source>
        <translation>更正原因（必填）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save disposition</source>
        <translation>保存研究结局</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Visit missed</source>
        <translation>缺失访视</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Visit</source>
        <translation>访视</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Why the visit did not take place (required)</source>
        <translation>未进行访视的原因（必填）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Record the missed visit</source>
        <translation>记录缺失访视</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Protocol deviation</source>
        <translation>方案偏离</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Severity</source>
        <translation>严重程度</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>What happened (required)</source>
        <translation>发生了什么（必填）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Record the deviation</source>
        <translation>记录方案偏离</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Deviations of this participant</source>
        <translation>该受试者的方案偏离</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>On study: no disposition recorded.</source>
        <translation>研究中：尚未记录研究结局。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Recorded (revision {0}): saving makes a correction, give a reason.</source>
        <translation>已记录（第{0}版）：保存即为更正，请填写原因。</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>None.</source>
        <translation>无。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Choose completed or discontinued.</source>
        <translation>请选择完成研究或提前终止。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A disposition is recorded already: give the reason for the correction.</source>
        <translation>已记录研究结局：请填写更正原因。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Saved: disposition of {0}.</source>
        <translation>已保存：{0}的研究结局。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Saved: visit recorded as missed.</source>
        <translation>已保存：访视已记为缺失。</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Saved: protocol deviation.</source>
        <translation>已保存：方案偏离。</translation>
    </message>
</context>
<context>
    <name>DosingPage</name>
    <message>
        <location filename="../nurse/dosing.py" line="+24"/>
        <source>Dosing</source>
        <translation>用药</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Participant</source>
        <translation>受试者</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>First dose</source>
        <translation>首次用药</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Compliance (all study drugs)</source>
        <translation>依从性（全部研究药物）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Per drug</source>
        <translation>各药物</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No dosing diary recorded for this participant on this station yet.</source>
        <translation>本工作站尚无该受试者的用药日志。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>not known yet</source>
        <translation>尚不清楚</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{0} over {1} days ({2} to {3})</source>
        <translation>{0}，覆盖 {1} 天（{2} 至 {3}）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0}: {1} of {2} expected ({3})</source>
        <translation>{0}：{1} / 预期 {2} 次（{3}）</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>taken</source>
        <translation>已用药</translation>
    </message>
</context>
<context>
    <name>EntryTab</name>
    <message>
        <location filename="../nurse/clinical_record.py" line="-203"/>
        <location line="+25"/>
        <location line="+18"/>
        <source>Visit</source>
        <translation>访视</translation>
    </message>
    <message>
        <location line="-43"/>
        <source>Revision</source>
        <translation>版本</translation>
    </message>
    <message>
        <location line="+9"/>
        <location line="+8"/>
        <location line="+67"/>
        <source>New entry</source>
        <translation>新建记录</translation>
    </message>
    <message>
        <location line="-73"/>
        <source>Correct the selected entry</source>
        <translation>更正所选记录</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>why the entry changes</source>
        <translation>记录更改的原因</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+14"/>
        <source>Reason for the correction</source>
        <translation>更正原因</translation>
    </message>
    <message>
        <location line="-7"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Select a saved entry to correct.</source>
        <translation>请选择要更正的已保存记录。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Correcting revision {0}</source>
        <translation>正在更正第{0}版</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>A correction needs a reason: say why the entry changes.</source>
        <translation>更正需要原因：请说明记录为何更改。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Saved (revision {0}). To change it, correct it here with a reason.</source>
        <translation>已保存（第{0}版）。如需修改，请在此填写原因进行更正。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Save against {0}</source>
        <translation>仍按{0}保存</translation>
    </message>
</context>
<context>
    <name>HomeActivation</name>
    <message>
        <location filename="../nurse/home_activation.py" line="+84"/>
        <source>Home diary: activate</source>
        <translation>居家日志：激活</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Asking the server for a code…</source>
        <translation>正在向服务器获取激活码…</translation>
    </message>
</context>
<context>
    <name>HomeActivationDialog</name>
    <message>
        <location line="-60"/>
        <source>Home diary: activate</source>
        <translation>居家日志：激活</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Home diary activation code for {0}</source>
        <translation>受试者{0}的居家日志激活码</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Shown once. Valid until {0}. The phone scans the QR code, or the participant opens the app and types the code.</source>
        <translation>仅显示一次。有效期至{0}。手机扫描二维码，或受试者打开应用并输入激活码。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>QR code of the app link with the activation code</source>
        <translation>含激活码的应用链接二维码</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>LabResultsPage</name>
    <message>
        <location filename="../nurse/labs.py" line="+36"/>
        <source>Lab results</source>
        <translation>实验室检查结果</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Participant</source>
        <translation>受试者</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No lab results for this participant yet (they arrive with a sync).</source>
        <translation>该受试者暂无实验室检查结果（同步后显示）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Sample date</source>
        <translation>采样日期</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Visit</source>
        <translation>访视</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Test</source>
        <translation>检查项目</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Value</source>
        <translation>结果</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Normal range</source>
        <translation>参考范围</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Flag</source>
        <translation>提示</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CTCAE grade</source>
        <translation>CTCAE分级</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Abnormal results without an adverse event report (CTCAE v5.0):</source>
        <translation>尚无不良事件报告的异常结果（CTCAE v5.0）：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Report the selected result as an adverse event</source>
        <translation>将所选结果报告为不良事件</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Corrected: {0}</source>
        <translation>已更正：{0}</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>{0}, grade {1}: {2}</source>
        <translation>{0}，{1}级：{2}</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Select an abnormal result first.</source>
        <translation>请先选择一个异常结果。</translation>
    </message>
</context>
<context>
    <name>Nurse</name>
    <message>
        <location filename="../nurse/clinician.py" line="-274"/>
        <source>low activity</source>
        <translation>低度活动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>moderate activity</source>
        <translation>中度活动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>high activity</source>
        <translation>高度活动</translation>
    </message>
    <message>
        <location filename="../nurse/overview.py" line="+29"/>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>due now</source>
        <translation>现在到期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>OVERDUE</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>upcoming</source>
        <translation>未到期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no baseline date yet</source>
        <translation>尚无基线日期</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>not expected (study ended)</source>
        <translation>无需访视（已结束研究）</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>{0} min ago</source>
        <translation>{0}分钟前</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0} h ago</source>
        <translation>{0}小时前</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} days ago</source>
        <translation>{0}天前</translation>
    </message>
    <message>
        <location filename="../nurse/screening.py" line="+56"/>
        <source>age {0} is outside {1}-{2}</source>
        <translation>年龄{0}岁，不在{1}-{2}岁范围内</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>date of birth or consent date missing</source>
        <translation>缺少出生日期或知情同意日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no {1} entered</source>
        <translation>未录入{1}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} {1} is below {2}</source>
        <translation>{0}为{1}，低于{2}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>no consent date</source>
        <translation>无知情同意日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>consent date is after the screening date</source>
        <translation>知情同意日期晚于筛选日期</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>not answered</source>
        <translation>未回答</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not met</source>
        <translation>不符合</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>present (excludes the participant)</source>
        <translation>存在（排除该受试者）</translation>
    </message>
    <message>
        <location filename="../nurse/symptoms.py" line="+32"/>
        <source>mild</source>
        <translation>轻度</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>moderate</source>
        <translation>中度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>severe</source>
        <translation>重度</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>severity not given</source>
        <translation>未填写严重程度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>NEW since the last visit</source>
        <translation>自上次访视以来新出现</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>WORSE than at the last visit</source>
        <translation>较上次访视加重</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>same as at the last visit</source>
        <translation>与上次访视相同</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>better than at the last visit</source>
        <translation>较上次访视好转</translation>
    </message>
    <message>
        <location filename="../nurse/sync.py" line="+240"/>
        <source>No server answers at this station&apos;s server address. Check the network cable or Wi-Fi and that the server is running.</source>
        <translation>本工作站的服务器地址没有响应。请检查网线或Wi-Fi，以及服务器是否在运行。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The server no longer accepts this station (revoked or unknown). Ask the data manager.</source>
        <translation>服务器不再接受本工作站（已被撤销或未知）。请联系数据管理员。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This server runs another study or study version than this station. Ask the data manager which server to use.</source>
        <translation>该服务器运行的研究或研究版本与本工作站不同。请向数据管理员确认应使用哪台服务器。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This is not the address of a trialpro server. Type it as the data manager gave it.</source>
        <translation>这不是trialpro服务器的地址。请按数据管理员提供的地址输入。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The server does not accept this code: it is unknown, used or expired. Ask the data manager for a new code.</source>
        <translation>服务器不接受此注册码：该码未知、已使用或已过期。请向数据管理员索取新的注册码。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Too many tries with wrong codes: wait 15 minutes, then try again.</source>
        <translation>输入错误注册码的次数过多：请等待15分钟后再试。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The server did not complete the sync. Nothing is lost; try again, or tell the data manager.</source>
        <translation>服务器未能完成同步。数据没有丢失；请重试，或告知数据管理员。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The server refused ({0}). Nothing is lost; tell the data manager.</source>
        <translation>服务器拒绝了请求（{0}）。数据没有丢失；请告知数据管理员。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Something went wrong ({0}). Nothing is lost; try again, or tell the data manager.</source>
        <translation>出现错误（{0}）。数据没有丢失；请重试，或告知数据管理员。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Enrolment</source>
        <translation>入组</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Adverse event report</source>
        <translation>不良事件报告</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{0} ({1}): the server already holds a different version of this record. It was kept aside for the data manager; nothing was merged.</source>
        <translation>{0}（{1}）：服务器上已有该记录的另一个版本。已单独保留，交由数据管理员处理；未做任何合并。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{0} ({1}) was refused by the server: {2}. It stays on this station; tell the data manager.</source>
        <translation>{0}（{1}）被服务器拒收：{2}。该记录仍保存在本工作站；请告知数据管理员。</translation>
    </message>
    <message>
        <location filename="../nurse/problems.py" line="+23"/>
        <source>Adverse event term</source>
        <translation>不良事件术语</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Onset date</source>
        <translation>开始日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>End date</source>
        <translation>结束日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CTCAE grade</source>
        <translation>CTCAE分级</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Seriousness</source>
        <translation>严重性</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Seriousness criteria</source>
        <translation>严重性标准</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Outcome</source>
        <translation>转归</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>English translation of the term</source>
        <translation>术语的英文翻译</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Site became aware</source>
        <translation>研究中心获知时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Date of death</source>
        <translation>死亡日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reason it is not serious</source>
        <translation>非严重的理由</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Physician Global VAS score</source>
        <translation>医生总体评估VAS评分</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reason for the correction</source>
        <translation>更正原因</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>grade 5 needs the event to be serious with &apos;Results in death&apos; ticked</source>
        <translation>5级要求该事件为严重不良事件并勾选“导致死亡”</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&apos;Results in death&apos; needs CTCAE grade 5</source>
        <translation>勾选“导致死亡”时CTCAE分级必须为5级</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the outcome &apos;Fatal&apos; goes with grade 5, and grade 5 with &apos;Fatal&apos;</source>
        <translation>转归为“死亡”时分级必须为5级，5级时转归必须为“死亡”</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+6"/>
        <source>must be on or after the onset date</source>
        <translation>不得早于开始日期</translation>
    </message>
    <message>
        <location line="-5"/>
        <source>give the term in English (Latin letters)</source>
        <translation>请用英文（拉丁字母）填写术语</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>required when the outcome is recovered, recovered with sequelae or fatal</source>
        <translation>转归为已痊愈、痊愈伴后遗症或死亡时必填</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>required when the outcome is &apos;Fatal&apos;</source>
        <translation>转归为“死亡”时必填</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>only given when the outcome is &apos;Fatal&apos;</source>
        <translation>仅在转归为“死亡”时填写</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>must not be after the date of death</source>
        <translation>不得晚于死亡日期</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>required for a serious event (the 24-hour clock starts there)</source>
        <translation>严重不良事件必填（24小时时限由此开始计算）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not a valid date and time</source>
        <translation>不是有效的日期和时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must not be before the onset date</source>
        <translation>不得早于开始日期</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>grade 4 or 5 recorded as not serious: confirm why</source>
        <translation>4级或5级记录为非严重：请确认理由</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>only given for grade 4 or 5 recorded as not serious</source>
        <translation>仅在4级或5级记录为非严重时填写</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the participant receives this drug: choose a causality</source>
        <translation>受试者使用该药物：请选择相关性</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not asked: the participant&apos;s arm does not receive this drug</source>
        <translation>不适用：受试者所在组不使用该药物</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Causality to {0}</source>
        <translation>与{0}的相关性</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Action taken with {0}</source>
        <translation>{0}采取的措施</translation>
    </message>
    <message>
        <location filename="../nurse/clinician.py" line="+232"/>
        <location line="+29"/>
        <location filename="../nurse/problems.py" line="+36"/>
        <location filename="../nurse/screening.py" line="+219"/>
        <source>required, not filled in</source>
        <translation>必填，尚未填写</translation>
    </message>
    <message>
        <location filename="../nurse/problems.py" line="+2"/>
        <source>{0} is not allowed (allowed: {1})</source>
        <translation>不允许的值{0}（允许：{1}）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Not saved. Please correct:</source>
        <translation>未保存。请更正：</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+7"/>
        <source>Not done:</source>
        <translation>未完成：</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location filename="../nurse/clinical_record.py" line="-272"/>
        <source>choose a drug class of the study&apos;s list</source>
        <translation>请从本研究的列表中选择药物类别</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a dose needs its unit, and a unit its dose</source>
        <translation>剂量需要单位，单位也需要剂量</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>give the date it was stopped, or tick &apos;ongoing&apos;</source>
        <translation>请填写停药日期，或勾选“仍在持续”</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>an ongoing medication has no end date</source>
        <translation>仍在使用的药物没有结束日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must be on or after the start date</source>
        <translation>必须在开始日期当天或之后</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>write YYYY-MM-DD, or YYYY-MM or YYYY if only that is known</source>
        <translation>请填写 YYYY-MM-DD；如仅知年月或年份，填写 YYYY-MM 或 YYYY</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>enter at least one measurement</source>
        <translation>请至少填写一项测量值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} is not plausible (allowed {1}-{2}); check the value and the unit</source>
        <translation>{0} 不合理（允许 {1}-{2}）；请检查数值和单位</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>enter systolic and diastolic pressure together</source>
        <translation>收缩压和舒张压需同时填写</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>must be below the systolic pressure</source>
        <translation>必须低于收缩压</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} is not a whole number</source>
        <translation>{0} 不是整数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} has too many decimal places</source>
        <translation>{0} 的小数位数过多</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} is not a number</source>
        <translation>{0} 不是数字</translation>
    </message>
    <message>
        <location filename="../nurse/course.py" line="-216"/>
        <location filename="../nurse/overview.py" line="-13"/>
        <source>outside its window</source>
        <translation>超出访视窗口</translation>
    </message>
    <message>
        <location line="+1"/>
        <location filename="../nurse/overview.py" line="-2"/>
        <source>missed</source>
        <translation>缺失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>major</source>
        <translation>重大</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>minor</source>
        <translation>轻微</translation>
    </message>
    <message>
        <location filename="../nurse/queries.py" line="+24"/>
        <source>open</source>
        <translation>待回复</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>answered</source>
        <translation>已回复</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>re-opened</source>
        <translation>已重新打开</translation>
    </message>
    <message>
        <location filename="../nurse/home_activation.py" line="-29"/>
        <source>No activation code: this participant is not randomised, or their part in the study has ended.</source>
        <translation>无法生成激活码：该受试者尚未随机，或已结束研究。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Your account may not give home diary codes here (nurses and investigators of this site may).</source>
        <translation>您的账户不能在此生成居家日志激活码（本中心的护士和研究者可以）。</translation>
    </message>
</context>
<context>
    <name>NurseHome</name>
    <message>
        <location filename="../nurse/home.py" line="+111"/>
        <source>Nurse mode</source>
        <translation>护士模式</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Lock</source>
        <translation>锁定</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Kiosk for a participant</source>
        <translation>交给受试者使用</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Overview</source>
        <translation>概览</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Clinician scores</source>
        <translation>医生评分</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Screening</source>
        <translation>筛选</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Randomisation</source>
        <translation>随机分组</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Symptom review</source>
        <translation>症状审阅</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Adverse events</source>
        <translation>不良事件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Study course and deviations</source>
        <translation>研究进程与方案偏离</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Clinical record</source>
        <translation>临床记录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Lab results</source>
        <translation>实验室检查结果</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Data queries</source>
        <translation>数据质疑</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Dosing</source>
        <translation>用药</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>Signed in: {0} ({1})</source>
        <translation>已登录：{0}（{1}）</translation>
    </message>
</context>
<context>
    <name>NurseSignIn</name>
    <message>
        <location filename="../nurse/sign_in.py" line="+30"/>
        <source>Staff sign-in</source>
        <translation>工作人员登录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The screen was locked. Sign in again to continue; everything saved is safe.</source>
        <translation>屏幕已锁定。请重新登录以继续；已保存的数据均安全。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Personal accounts only. Accounts come from the server; a new account works here after the next sync.</source>
        <translation>仅限个人账号。账号来自服务器；新账号在下次同步后可在此使用。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Sign-in failed: check the user name and password. A new account works on this station after the next sync.</source>
        <translation>登录失败：请检查用户名和密码。新账号在下次同步后才能在本工作站使用。</translation>
    </message>
</context>
<context>
    <name>OverviewPage</name>
    <message>
        <location filename="../nurse/overview.py" line="+24"/>
        <source>Data overview</source>
        <translation>数据概览</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Participant</source>
        <translation>受试者</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Arm</source>
        <translation>组别</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Due</source>
        <translation>到期</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Overdue</source>
        <translation>逾期</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Next visit</source>
        <translation>下次访视</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not yet synced</source>
        <translation>未同步</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Visit</source>
        <translation>访视</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Window</source>
        <translation>时间窗</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Still missing</source>
        <translation>尚缺</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>This station is not enrolled yet: use the Sync screen first.</source>
        <translation>本工作站尚未注册：请先使用同步页面。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Waiting to be synced: {0} record(s)</source>
        <translation>等待同步：{0}条记录</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>, the oldest saved {0}</source>
        <translation>，最早的保存于{0}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0} record(s) need attention (see Sync).</source>
        <translation>{0}条记录需要处理（见同步页面）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last sync: {0}</source>
        <translation>上次同步：{0}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>{0} (oldest {1})</source>
        <translation>{0}（最早{1}）</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Visits of {0} (baseline {1})</source>
        <translation>{0}的访视（基线{1}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No participant enrolled yet.</source>
        <translation>尚无受试者入组。</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>{0}: grade {1}, onset {2}, {3}</source>
        <translation>{0}：{1}级，发生于 {2}，{3}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>serious</source>
        <translation>严重</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Adverse events:</source>
        <translation>不良事件：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Adverse events: none recorded.</source>
        <translation>不良事件：尚无记录。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{0} {1} ({2}, {3})</source>
        <translation>{0} {1}（{2}，{3}）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Latest scores:</source>
        <translation>最新评分：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Latest scores: none yet.</source>
        <translation>最新评分：尚无。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Home diary on the phone since {0}: {1} day(s) recorded.</source>
        <translation>自{0}起在手机上记录居家日志：已记录{1}天。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Missed diary days: {0}: {1}</source>
        <translation>漏填日志的天数：{0}天：{1}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(and {0} earlier)</source>
        <translation>（另有更早的{0}天）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No diary day missed.</source>
        <translation>没有漏填的日志。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The app was revoked on {0}.</source>
        <translation>该应用已于{0}被停用。</translation>
    </message>
</context>
<context>
    <name>QueriesPage</name>
    <message>
        <location filename="../nurse/queries.py" line="+9"/>
        <source>Data queries</source>
        <translation>数据质疑</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Queries from the monitor or the data checks, as of the last sync. Your answer is saved here and sent at the next sync.</source>
        <translation>来自监查员或数据核查的质疑（截至上次同步）。您的回复保存在本设备，并在下次同步时发送。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No open query for this site.</source>
        <translation>本中心没有未解决的质疑。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Participant</source>
        <translation>受试者</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Visit / form</source>
        <translation>访视 / 表单</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Days open</source>
        <translation>已开放天数</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Your answer</source>
        <translation>您的回复</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save the answer</source>
        <translation>保存回复</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Value: {0}</source>
        <translation>值：{0}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Waiting to be sent: {0}</source>
        <translation>等待发送：{0}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Write the answer first.</source>
        <translation>请先填写回复。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Answer saved; it is sent at the next sync.</source>
        <translation>回复已保存，将在下次同步时发送。</translation>
    </message>
</context>
<context>
    <name>RandomisationPage</name>
    <message>
        <location filename="../nurse/randomisation.py" line="+36"/>
        <location line="+22"/>
        <source>Randomisation</source>
        <translation>随机分组</translation>
    </message>
    <message>
        <location line="-19"/>
        <source>At the {0} visit: record the clinician scores first, then confirm every criterion here. The allocation is revealed only after that.</source>
        <translation>在{0}访视：请先记录医生评分，然后在此确认每条标准。之后才会揭示分组。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Participant</source>
        <translation>受试者</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Screened as eligible, not randomised</source>
        <translation>筛选合格、尚未随机</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Check eligibility</source>
        <translation>检查入选资格</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The allocation is revealed at once and cannot be undone or changed.</source>
        <translation>分组将立即揭示，且无法撤销或更改。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>I have confirmed the eligibility of this participant</source>
        <translation>我已确认该受试者的入选资格</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Randomise and reveal the allocation</source>
        <translation>随机并揭示分组</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Allocations left on this station: {0}</source>
        <translation>本工作站剩余分组数：{0}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No allocation left on this station: sync to be granted another block.</source>
        <translation>本工作站已无剩余分组：请同步以获得新的区组。</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Eligibility not confirmed: {0} cannot be randomised. Failed criteria:</source>
        <translation>入选资格未确认：{0}不能随机。未通过的标准：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Eligibility confirmed for {0}: every criterion is met (scored {1}: {2:g}).</source>
        <translation>{0}入选资格已确认：所有标准均符合（{1}评分：{2:g}）。</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Randomised: {0}
Randomisation number: {1}
Allocated arm: {2}</source>
        <translation>已随机：{0}
随机号：{1}
分配组别：{2}</translation>
    </message>
</context>
<context>
    <name>ScreeningPage</name>
    <message>
        <location filename="../nurse/screening.py" line="-180"/>
        <source>Participant</source>
        <translation>受试者</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+8"/>
        <location line="+23"/>
        <source>not entered</source>
        <translation>未录入</translation>
    </message>
    <message>
        <location line="-44"/>
        <source>Screening</source>
        <translation>筛选</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Pseudonymous: no name is stored, and of the date of birth only the age at consent and the year and month. The participant id is given when the screening is saved, whatever its outcome.</source>
        <translation>假名化：不保存姓名；出生日期只保存知情同意时的年龄及出生年月。保存筛选时即分配受试者编号，无论筛选结果如何。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Male</source>
        <translation>男</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Other / not stated</source>
        <translation>其他/未说明</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>not recorded</source>
        <translation>未记录</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Of childbearing potential (women)</source>
        <translation>有生育能力（女性）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Screening date</source>
        <translation>筛选日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Written informed consent signed on</source>
        <translation>书面知情同意书签署于</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Consent</source>
        <translation>知情同意</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>{0} (0-{1})</source>
        <translation>{0}（0-{1}）</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Inclusion criteria (all must be met)</source>
        <translation>入选标准（必须全部符合）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Met</source>
        <translation>符合</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not met</source>
        <translation>不符合</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Exclusion criteria (none may be present)</source>
        <translation>排除标准（均不得存在）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Present</source>
        <translation>存在</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Absent</source>
        <translation>不存在</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Check eligibility</source>
        <translation>检查受试者资格</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Screening log</source>
        <translation>筛选记录</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The screening is saved whatever its outcome (eligible, screen failure or pending). Randomisation comes later, at the eligibility visit.</source>
        <translation>无论结果如何（合格、筛选失败或待定），筛选都会被保存。随机在之后的入选资格访视进行。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Save the screening</source>
        <translation>保存筛选</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Screen another person</source>
        <translation>筛选下一位</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>age {0} at consent</source>
        <translation>知情同意时{0}岁</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>the date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the consent date</source>
        <translation>知情同意日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A person is screened after consent: enter {0}, then check again.</source>
        <translation>须在知情同意后筛选：请输入{0}，然后重新检查。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Eligible at screening: all {0} criteria are met. Randomisation follows at the eligibility visit.</source>
        <translation>筛选合格：全部{0}条标准均符合。随机在入选资格访视进行。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Pending: some answers are missing. Save now and complete later:</source>
        <translation>待定：部分回答缺失。可先保存，稍后补充：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Screen failure: these criteria are not met (the screening is still saved in the log):</source>
        <translation>筛选失败：以下标准不符合（筛选仍会记录在筛选记录中）：</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>eligible</source>
        <translation>合格</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>screen failure</source>
        <translation>筛选失败</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pending</source>
        <translation>待定</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Screened: {0}
Outcome: {1}</source>
        <translation>已筛选：{0}
结果：{1}</translation>
    </message>
    <message>
        <location line="-126"/>
        <source>I have checked these entries</source>
        <translation>我已核对以上录入</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>computed: not met</source>
        <translation>自动判断：不符合</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>computed: met</source>
        <translation>自动判断：符合</translation>
    </message>
</context>
<context>
    <name>SymptomReviewPage</name>
    <message>
        <location filename="../nurse/symptoms.py" line="+12"/>
        <source>Symptom review</source>
        <translation>症状审阅</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Participant</source>
        <translation>受试者</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>No symptom checklist recorded for this participant yet.</source>
        <translation>该受试者尚无症状清单记录。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Symptom</source>
        <translation>症状</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Severity</source>
        <translation>严重程度</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Last visit</source>
        <translation>上次访视</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Change</source>
        <translation>变化</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Report the selected symptom as an adverse event</source>
        <translation>将所选症状报告为不良事件</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>{0} ({1}): {2} reported, {3} new or worse</source>
        <translation>{0}（{1}）：报告{2}项，{3}项新出现或加重</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>not reported</source>
        <translation>未报告</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Select a symptom first.</source>
        <translation>请先选择一个症状。</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <location filename="../nurse/sync.py" line="-232"/>
        <source>Sync with the server</source>
        <translation>与服务器同步</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Enrol this station (once)</source>
        <translation>注册本工作站（仅一次）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This station is not enrolled yet. Ask the data manager for a one-time enrolment code (trialpro-server device code) and enter it here.</source>
        <translation>本工作站尚未注册。请向数据管理员索取一次性注册码（trialpro-server device code），并在此输入。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Server address</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Enrolment code</source>
        <translation>注册码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Nurse station</source>
        <translation>护士工作站</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name of this station</source>
        <translation>工作站名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enrol this station</source>
        <translation>注册本工作站</translation>
    </message>
    <message>
        <location line="+14"/>
        <location line="+136"/>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <location line="-126"/>
        <source>Records that need attention (they stay on this station):</source>
        <translation>需要处理的记录（仍保存在本工作站）：</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>{0} record(s) waiting to be sent. Last sync: {1}.</source>
        <translation>{0}条记录等待发送。上次同步：{1}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not enrolled: nothing can be sent yet.</source>
        <translation>尚未注册：目前无法发送任何数据。</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Second copy on {0} is NOT being written: check the USB stick or network folder. Saving goes on.</source>
        <translation>第二份副本（{0}）未能写入：请检查U盘或网络文件夹。保存不受影响。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Second copy on {0}: {1} save(s) being copied.</source>
        <translation>第二份副本（{0}）：{1} 条保存正在复制。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Second copy on {0}: up to date.</source>
        <translation>第二份副本（{0}）：已是最新。</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Enter the server address and the enrolment code.</source>
        <translation>请输入服务器地址和注册码。</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+17"/>
        <source>Enrolment did not work:</source>
        <translation>注册未成功：</translation>
    </message>
    <message>
        <location line="-16"/>
        <source>this is not an enrolment code: it has 16 letters and digits in four groups (XXXX-XXXX-XXXX-XXXX). Check what you typed.</source>
        <translation>这不是注册码：注册码由 16 个字母和数字组成，分为四组（XXXX-XXXX-XXXX-XXXX）。请检查输入。</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Station enrolled (device {0}). You can sync now.</source>
        <translation>工作站已注册（设备{0}）。现在可以同步。</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Syncing… you can keep this screen open.</source>
        <translation>正在同步……可保持此页面打开。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Sync finished: {0} record(s) sent, {1} accepted.</source>
        <translation>同步完成：已发送{0}条记录，{1}条已被接收。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{0} correction(s) from the data manager received.</source>
        <translation>已收到数据管理员的{0}条更正。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{0} record(s) were not accepted: see below.</source>
        <translation>{0}条记录未被接收：见下方。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sync did not complete. Everything is kept on this station; try again when the network is back.</source>
        <translation>同步未完成。所有数据仍保存在本工作站；网络恢复后请重试。</translation>
    </message>
</context>
</TS>
