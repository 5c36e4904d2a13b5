<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Answers</name>
    <message>
        <location filename="../kiosk/texts.py" line="+21"/>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Not answered</source>
        <translation>未回答</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Your mark on the line:</source>
        <translation>您在线上的标记：</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Please answer this question.</source>
        <translation>请回答这个问题。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This answer cannot be accepted. Please answer again.</source>
        <translation>此答案无法接受，请重新回答。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>none</source>
        <translation>未用药</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Days recorded on your phone are not asked again.</source>
        <translation>您已在手机上记录过的日子，这里不再询问。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Today is {0}.</source>
        <translation>今天是{0}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>These questions are about the days from {0} to today, {1}.</source>
        <translation>这些问题问的是从{0}到今天（{1}）的这些天。</translation>
    </message>
    <message>
        <location filename="../widgets/dose_calendar.py" line="+23"/>
        <source>I took none of these medicines on any of these days</source>
        <translation>这些天里我没有使用过任何这些药物</translation>
    </message>
</context>
<context>
    <name>KioskSessionView</name>
    <message>
        <location filename="../kiosk/session.py" line="+254"/>
        <source>Your answers could not be saved. Please ask the nurse for help. Nothing was saved.</source>
        <translation>您的答案未能保存，请向护士寻求帮助。没有保存任何内容。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Your answers could not be saved. Please ask the nurse for help. Nothing was saved; your answers are still here.</source>
        <translation>您的答案未能保存，请向护士寻求帮助。没有保存任何内容；您的答案仍在此处。</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Stop without saving?</source>
        <translation>不保存就停止吗？</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>If you stop now, your answers are cleared and not saved.</source>
        <translation>如果现在停止，您的答案将被清除，不会保存。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Continue answering</source>
        <translation>继续回答</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Stop and clear</source>
        <translation>停止并清除</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Submit</source>
        <translation>提交</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Please check your answers</source>
        <translation>请核对您的答案</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Touch Change to correct an answer. Touch Submit when everything is right.</source>
        <translation>如需修改答案，请点“修改”。全部正确后，请点“提交”。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Question %1 of %2</source>
        <translation>第%1题，共%2题</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Back to review</source>
        <translation>返回核对页面</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Review answers</source>
        <translation>核对答案</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Next</source>
        <translation>下一题</translation>
    </message>
</context>
<context>
    <name>KioskSetupScreen</name>
    <message>
        <location filename="../kiosk/setup.py" line="+149"/>
        <source>Start a participant session</source>
        <translation>为受试者开始问卷</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Signed in as %1</source>
        <translation>已登录：%1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Participant</source>
        <translation>受试者</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Visit</source>
        <translation>访视</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start questionnaire</source>
        <translation>开始问卷</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This visit&apos;s answers are saved already. The new answers will correct them: staff, give the reason for the correction.</source>
        <translation>本次访视的回答已保存。新的回答将更正原回答：请工作人员填写更正原因。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Reason for the correction (required)</source>
        <translation>更正原因（必填）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Nurse mode</source>
        <translation>护士模式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lock</source>
        <translation>锁定</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close application</source>
        <translation>关闭程序</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>No participant is enrolled at this site on this station yet.</source>
        <translation>本设备上本中心尚无已入组的受试者。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>arm not known on this station yet: sync first</source>
        <translation>本设备尚不知道其分组：请先同步</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>(answers already saved)</source>
        <translation>（答案已保存）</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Choose a participant and a visit first.</source>
        <translation>请先选择受试者和访视。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Give the reason for the correction first.</source>
        <translation>请先填写更正原因。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Start {0} anyway</source>
        <translation>仍然开始{0}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="+139"/>
        <source>Nurse mode is not available in this version.</source>
        <translation>此版本中没有护士模式。</translation>
    </message>
    <message>
        <location line="+66"/>
        <location line="+47"/>
        <source>Are you still there?</source>
        <translation>您还在吗？</translation>
    </message>
    <message>
        <location line="-47"/>
        <location line="+48"/>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <location line="-43"/>
        <source>For your privacy, your answers will be cleared in %1 seconds. Touch “Continue” to keep answering.</source>
        <translation>为保护您的隐私，您的答案将在%1秒后被清除。请点“继续”以继续回答。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The kiosk will lock in %1 seconds. Touch “Continue” to stay signed in.</source>
        <translation>本设备将在%1秒后锁定。请点“继续”以保持登录。</translation>
    </message>
</context>
<context>
    <name>QuestionPage</name>
    <message>
        <location filename="../kiosk/question_page.py" line="+162"/>
        <source>Read aloud</source>
        <translation>朗读题目</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Read my answer</source>
        <translation>朗读我的答案</translation>
    </message>
</context>
<context>
    <name>ReadAloud</name>
    <message>
        <location filename="../kiosk/spoken.py" line="+26"/>
        <location line="+2"/>
        <source>The answers are: {0}.</source>
        <translation>可选答案：{0}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Choose one number from {0} to {1}.</source>
        <translation>请在{0}到{1}之间选择一个数字。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{0} means: {1}. {2} means: {3}.</source>
        <translation>{0}表示：{1}。{2}表示：{3}。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Touch the line at one point.</source>
        <translation>请在线上触摸一个位置。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The left end means: {0}. The right end means: {1}.</source>
        <translation>线的左端表示：{0}。右端表示：{1}。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>For each of these days, touch each medicine you took: {0}. The days are: {1}.</source>
        <translation>请在以下每一天，触摸您当天使用的每种药物：{0}。这些日期是：{1}。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>You have not answered this question yet.</source>
        <translation>您还没有回答这个问题。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>You have made a mark on the line.</source>
        <translation>您已在线上做了标记。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Your answer: {0}.</source>
        <translation>您的答案：{0}。</translation>
    </message>
</context>
<context>
    <name>ReviewScreen</name>
    <message>
        <location filename="../kiosk/review.py" line="+85"/>
        <source>Some questions still need an answer. They are marked in red.</source>
        <translation>还有问题需要回答，已用红色标出。</translation>
    </message>
    <message>
        <location line="+23"/>
        <location line="+20"/>
        <source>Change</source>
        <translation>修改</translation>
    </message>
</context>
<context>
    <name>StaffSignInScreen</name>
    <message>
        <location filename="../kiosk/sign_in.py" line="+70"/>
        <source>Staff sign-in</source>
        <translation>工作人员登录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Sign-in failed: check the user name and password. A new account works on this station after the next sync.</source>
        <translation>登录失败：请检查用户名和密码。新账户在下次同步后才能在本设备上使用。</translation>
    </message>
</context>
<context>
    <name>StartScreen</name>
    <message>
        <location filename="../kiosk/start.py" line="+71"/>
        <source>Participant questionnaires</source>
        <translation>受试者问卷</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Welcome. Please ask the nurse to start your questionnaire.
Choose your language:</source>
        <translation>欢迎！请让护士为您开始问卷。
请选择语言：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Staff</source>
        <translation>工作人员</translation>
    </message>
</context>
<context>
    <name>ThankYouScreen</name>
    <message>
        <location filename="../kiosk/session.py" line="-268"/>
        <source>Thank you. Your answers have been saved.</source>
        <translation>谢谢！您的答案已保存。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Please give the tablet back to the nurse.</source>
        <translation>请将平板电脑交还给护士。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>UnlockScreen</name>
    <message>
        <location filename="../unlock.py" line="+138"/>
        <source>Site passphrase</source>
        <translation>中心密码短语</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Repeat passphrase</source>
        <translation>再次输入密码短语</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Server address</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enrolment code</source>
        <translation>注册码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name of this station</source>
        <translation>本设备名称</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Kiosk</source>
        <translation>自助终端</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Connect this station to the server</source>
        <translation>将本设备连接到服务器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Type the server address and the one-time enrolment code from the data manager (trialpro-server device code, or the web page Devices). The first sync brings the staff accounts; then staff sign in.</source>
        <translation>请输入服务器地址和数据管理员提供的一次性注册码（trialpro-server device code，或网页“设备”）。首次同步会带来工作人员账户，之后工作人员即可登录。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Enrol and sync</source>
        <translation>注册并同步</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+6"/>
        <source>Set up this station</source>
        <translation>设置本设备</translation>
    </message>
    <message>
        <location line="-5"/>
        <source>No station is set up in %1 yet. Choose the site passphrase (at least 8 characters), then type the server address and the one-time enrolment code from the data manager.</source>
        <translation>%1 中尚未设置设备。请设定中心密码短语（至少8个字符），然后输入服务器地址和数据管理员提供的一次性注册码。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Set up and enrol</source>
        <translation>设置并注册</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No station is set up in %1 yet. Choose the site passphrase (at least 8 characters).</source>
        <translation>%1 中尚未设置设备。请设定中心密码短语（至少8个字符）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Set up</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open the station</source>
        <translation>打开设备</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Staff: type the site passphrase to open the encrypted station.</source>
        <translation>工作人员：请输入中心密码短语以打开加密设备。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>The two passphrases differ. Type them again.</source>
        <translation>两次输入的密码短语不一致，请重新输入。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The site passphrase must have at least %1 characters.</source>
        <translation>中心密码短语至少需要 %1 个字符。</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>The server has no staff account for site %1 yet: ask the data manager to add one (trialpro-server user add), then sync again.</source>
        <translation>服务器上还没有中心 %1 的工作人员账户：请数据管理员添加（trialpro-server user add），然后再次同步。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sync again</source>
        <translation>再次同步</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Write down the recovery key</source>
        <translation>请记下恢复密钥</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>It is shown only now. Keep it locked away; it opens the station if the passphrase is lost.</source>
        <translation>恢复密钥只显示这一次。请妥善锁存；忘记密码短语时可用它打开设备。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>I have written it down</source>
        <translation>我已记下</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Checking the server…</source>
        <translation>正在检查服务器…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enrolling this station…</source>
        <translation>正在注册本设备…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>First sync: staff accounts and participants…</source>
        <translation>首次同步：工作人员账户和受试者…</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>This passphrase does not open the station. Type it again.</source>
        <translation>此密码短语无法打开本设备。请重新输入。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This is not the address of a trialpro server. Type it as the data manager gave it, e.g. https://trialpro.example.org or http://192.168.1.10:8000.</source>
        <translation>这不是 trialpro 服务器的地址。请按数据管理员提供的地址输入，例如 https://trialpro.example.org 或 http://192.168.1.10:8000。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>No server answers at %1. Check the address, the network cable or Wi-Fi, and that the server is running; then try again.</source>
        <translation>%1 没有服务器响应。请检查地址、网线或无线网络，以及服务器是否在运行，然后重试。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This server runs another study or study version than this station. Ask the data manager which server to use.</source>
        <translation>此服务器运行的研究或研究版本与本设备不同。请向数据管理员确认应使用哪台服务器。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The server does not accept this code: it is unknown, used or expired. Ask the data manager for a new code.</source>
        <translation>服务器不接受此注册码：注册码未知、已使用或已过期。请向数据管理员索取新的注册码。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Too many tries with wrong codes: wait 15 minutes, then check the code and try again.</source>
        <translation>错误注册码尝试次数过多：请等待15分钟，核对注册码后重试。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This is not an enrolment code: it has 16 letters and digits in four groups (XXXX-XXXX-XXXX-XXXX). Check what you typed.</source>
        <translation>这不是注册码：注册码由16个字母和数字组成，分为四组（XXXX-XXXX-XXXX-XXXX）。请检查输入内容。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The server did not complete the set-up. Nothing is lost; try again, or tell the data manager.</source>
        <translation>服务器未完成设置。没有丢失任何数据；请重试，或告知数据管理员。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Something went wrong (%1). Nothing is lost; try again, or tell the data manager.</source>
        <translation>出现问题（%1）。没有丢失任何数据；请重试，或告知数据管理员。</translation>
    </message>
</context>
<context>
    <name>VisitWindow</name>
    <message>
        <location filename="../widgets/visit_window.py" line="+22"/>
        <source>before its window opens</source>
        <translation>早于其访视窗开始</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>after its window closed</source>
        <translation>晚于其访视窗结束</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{0} is due from {1} to {2} (its window in the study plan). Today, {3}, is {4}. Saving against {0} now makes an out-of-window visit (a protocol deviation).</source>
        <translation>{0}应在{1}至{2}之间进行（研究计划中的访视窗）。今天（{3}）{4}。现在按{0}保存，将产生一次超窗访视（方案偏离）。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Visit outside its window</source>
        <translation>访视不在访视窗内</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Choose another visit</source>
        <translation>选择其他访视</translation>
    </message>
</context>
<context>
    <name>_Notice</name>
    <message>
        <location filename="../main_window.py" line="+59"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
</context>
</TS>
