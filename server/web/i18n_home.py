"""Texts of the home diary pages (issue 24): the activation code for a participant's phone, app devices (en, zh)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "home.title": ("Home diary", "居家日志"),
    "home.activate": ("Home diary: activate", "居家日志：激活"),
    "home.activate_hint": ("Give the participant a one-time code for the home diary app on their own phone.",
                           "为受试者生成一次性激活码，用于其本人手机上的居家日志应用。"),
    "home.closed": ("No new activation code: the participant's part in the study ended ({status}).",
                    "不能再生成激活码：受试者已结束研究（{status}）。"),
    "home.code_for": ("Home diary activation code for {participant}", "受试者{participant}的居家日志激活码"),
    "home.code_once": ("Shown once. Valid until {until} (site time). The phone scans the QR code, or the "
                       "participant opens {app} and types the code.",
                       "仅显示一次。有效期至{until}（中心时间）。手机扫描二维码，或受试者打开{app}并输入激活码。"),
    "home.qr": ("QR code of the app link with the activation code", "含激活码的应用链接二维码"),
    "home.back": ("Back to the participant", "返回受试者页面"),
    "home.phones": ("Home diary phones", "居家日志手机"),
    "home.no_phone": ("No phone activated.", "尚未激活手机。"),
    "kind.kiosk": ("kiosk", "平板终端"),
    "kind.participant_app": ("participant's phone", "受试者手机"),
}
