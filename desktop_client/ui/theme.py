"""The kiosk's look: large type, high contrast, big touch targets (participants are often older, with dry eyes).

One style sheet for the whole application, so every screen (kiosk and nurse mode) gets the same minimums:
body text 20 pt, nothing under 18 pt, touch targets at least 48 px (buttons are 64 px high), black on
white with dark-blue buttons (contrast above 7:1, WCAG AAA).
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel, QWidget

FONT_FAMILIES = ["Noto Sans CJK SC", "Noto Sans", "DejaVu Sans"]
BODY_PT = 20
SMALLEST_PT = 18
TOUCH_MIN_PX = 48
BUTTON_PX = 64
NUMBER_PX = 72          # content box of a 0-10 button (78 px with its border)

INK = "#000000"
PAPER = "#ffffff"
ACTION = "#0b3d91"      # dark blue; white on it is 10.6:1
SELECTED = "#0b3d91"
PROBLEM = "#9b0000"     # dark red on white is 8.9:1
FOCUS = "#e07000"

STYLE_SHEET = f"""
QWidget {{ background: {PAPER}; color: {INK}; font-size: {BODY_PT}pt; }}
QLabel[role="title"] {{ font-size: 30pt; font-weight: bold; }}
QLabel[role="heading"] {{ font-size: 24pt; font-weight: bold; }}
QLabel[role="question"] {{ font-size: 24pt; }}
QLabel[role="note"] {{ font-size: {SMALLEST_PT}pt; color: #222222; }}
QLabel[role="problem"] {{ font-size: {BODY_PT}pt; font-weight: bold; color: {PROBLEM}; }}
QLabel[role="saved"] {{ font-size: 30pt; font-weight: bold; color: #005a00; }}
QPushButton {{
    min-height: {BUTTON_PX}px; min-width: {BUTTON_PX}px; padding: 4px 24px;
    background: {ACTION}; color: white; border: 3px solid {ACTION}; border-radius: 10px;
    font-size: {BODY_PT + 2}pt; font-weight: bold;
}}
QPushButton:focus {{ border: 4px dashed {FOCUS}; }}
QPushButton:disabled {{ background: #6b6b6b; border-color: #6b6b6b; color: white; }}
QPushButton[kind="secondary"] {{ background: {PAPER}; color: {ACTION}; }}
QPushButton[kind="speak"] {{ min-width: 320px; min-height: 80px; font-size: 24pt; }}
QPushButton[kind="answer"] {{ background: {PAPER}; color: {INK}; border: 3px solid {INK}; }}
QPushButton[kind="answer"]:checked {{ background: {SELECTED}; color: white; border: 5px solid {INK}; }}
QPushButton[kind="answer"]:focus {{ border: 5px dashed {FOCUS}; }}
QPushButton[kind="number"] {{
    background: {PAPER}; color: {INK}; border: 3px solid {INK}; padding: 0px;
    min-width: {NUMBER_PX}px; max-width: {NUMBER_PX}px; min-height: {NUMBER_PX}px; max-height: {NUMBER_PX}px;
}}
QPushButton[kind="number"]:checked {{ background: {SELECTED}; color: white; border: 5px solid {INK}; }}
QPushButton[kind="number"]:focus {{ border: 5px dashed {FOCUS}; }}
QComboBox, QAbstractSpinBox, QDateEdit {{ min-height: {TOUCH_MIN_PX}px; }}
QTabBar::tab {{ min-height: {TOUCH_MIN_PX}px; padding: 4px 16px; }}
QLineEdit, QListWidget {{ border: 3px solid {INK}; border-radius: 6px; padding: 6px; min-height: {TOUCH_MIN_PX}px; }}
QLineEdit:focus, QListWidget:focus {{ border: 4px solid {FOCUS}; }}
QListWidget::item {{ min-height: {BUTTON_PX}px; padding: 4px 12px; }}
QListWidget::item:selected {{ background: {SELECTED}; color: white; }}
QScrollBar:vertical {{ width: {TOUCH_MIN_PX}px; background: #e6e6e6; }}
QScrollBar::handle:vertical {{ background: #555555; min-height: {BUTTON_PX}px; border-radius: 8px; }}
QFrame[role="card"] {{ border: 3px solid {INK}; border-radius: 12px; }}
QFrame[role="overlay"] {{ background: #fff4c2; border: 6px solid {INK}; border-radius: 16px; }}
QFrame[role="overlay"] QLabel {{ background: #fff4c2; }}
"""


def apply_theme(app: QApplication) -> None:
    """Set the application font (CJK-capable, large) and the style sheet."""
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSize(BODY_PT)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)


def set_role(widget: object, role: str, name: str = "role") -> None:
    """Tag a widget for the style sheet (``role`` for labels and frames, ``kind`` for buttons)."""
    widget.setProperty(name, role)  # type: ignore[attr-defined]
    style = widget.style()  # type: ignore[attr-defined]
    style.unpolish(widget)
    style.polish(widget)


def label(parent: QWidget, role: str | None = None, *, wrap: bool = False, hidden: bool = False,
          text: str = "") -> QLabel:
    """A label tagged for the style sheet (``role``: title, heading, question, note, problem, saved)."""
    widget = QLabel(text, parent)
    widget.setWordWrap(wrap)
    if role is not None:
        set_role(widget, role)
    if hidden:
        widget.hide()
    return widget


def show_wrapped(label: object, text: str, width: int) -> None:
    """Show ``text`` in a word-wrapped label with every line it needs at ``width`` px.

    Qt's box layouts do not grow a wrapped label inside a widget they centre, so the last line got cut.
    """
    label.setText(text)  # type: ignore[attr-defined]
    label.setMinimumHeight(label.heightForWidth(width))  # type: ignore[attr-defined]
    label.show()  # type: ignore[attr-defined]
