"""The visual analogue scale: a horizontal 100 mm line, anchors at both ends, no marker until touched.

VAS practice this widget keeps: the line is drawn 100 mm long where the screen reports a believable physical
size; there is no preset marker (a preset value biases answers); the value is the touched point as 0-100
along the line; the participant never sees the number; "not answered" (None) is distinct from 0; the mark
can be moved until the form is submitted. Keyboard: Left/Right move 1, Page Up/Down 10, Home/End the ends;
the first key press places the mark at the middle (or the end for Home/End).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QScreen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from desktop_client.ui import theme

LINE_MM = 100.0
MM_PER_INCH = 25.4
FALLBACK_DPI = 96.0
_PAD = 28          # space beyond each end so the end stops and a mark at 0 or 100 are easy to touch
_TRACK_HEIGHT = 120
ANCHOR_PX = 220   # each anchor's text column, either side of the line


def line_pixels(screen: QScreen | None, length_mm: float = LINE_MM) -> tuple[int, bool]:
    """Pixels for ``length_mm`` on ``screen`` and whether that came from a believable physical DPI."""
    dpi = screen.physicalDotsPerInchX() if screen is not None else 0.0
    believable = 60.0 <= dpi <= 600.0
    if not believable:
        dpi = screen.logicalDotsPerInchX() if screen is not None else FALLBACK_DPI
    return round(length_mm / MM_PER_INCH * dpi), believable


class _Track(QWidget):
    """The line itself: painted end stops, and the participant's mark once there is one."""

    touched = Signal(float)      # fraction 0..1 along the line
    stepped = Signal(int)        # a key: -1/+1, -10/+10, or the sentinels below
    HOME, END, PLACE = -1000, 1000, 0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line_px = 378
        self.fraction: float | None = None
        self.interactive = True
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(_TRACK_HEIGHT)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.keyboard_focus = False

    def focusInEvent(self, event: QFocusEvent) -> None:
        # The focus frame is for keyboard users; drawn before any touch it could read as a hint.
        self.keyboard_focus = event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.keyboard_focus = False
        self.update()
        super().focusOutEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(self.line_px + 2 * _PAD, _TRACK_HEIGHT)

    def set_line_px(self, px: int) -> None:
        self.line_px = px
        self.setFixedWidth(px + 2 * _PAD)
        self.update()

    def _fraction_at(self, x: float) -> float:
        return min(1.0, max(0.0, (x - _PAD) / self.line_px))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # touches arrive as synthesised mouse events
        if not self.interactive or event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.touched.emit(self._fraction_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.interactive and event.buttons() & Qt.MouseButton.LeftButton:
            self.touched.emit(self._fraction_at(event.position().x()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_PageDown: -10, Qt.Key.Key_PageUp: 10,
                 Qt.Key.Key_Home: self.HOME, Qt.Key.Key_End: self.END,
                 Qt.Key.Key_Space: self.PLACE, Qt.Key.Key_Return: self.PLACE, Qt.Key.Key_Enter: self.PLACE}
        key = Qt.Key(event.key())
        if not self.interactive or key not in steps:
            return super().keyPressEvent(event)
        self.keyboard_focus = True
        self.stepped.emit(steps[key])

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(theme.PAPER))
        mid = self.height() / 2
        x0, x1 = float(_PAD), float(_PAD + self.line_px)
        painter.setPen(QPen(QColor(theme.INK), 4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        painter.drawLine(QPointF(x0, mid), QPointF(x1, mid))
        painter.drawLine(QPointF(x0, mid - 22), QPointF(x0, mid + 22))
        painter.drawLine(QPointF(x1, mid - 22), QPointF(x1, mid + 22))
        if self.fraction is not None:
            x = x0 + self.fraction * self.line_px
            painter.setPen(QPen(QColor(theme.PROBLEM), 6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawLine(QPointF(x, mid - 40), QPointF(x, mid + 40))
        if self.hasFocus() and self.interactive and self.keyboard_focus:
            painter.setPen(QPen(QColor(theme.FOCUS), 3, Qt.PenStyle.DashLine))
            painter.drawRect(QRectF(self.rect()).adjusted(2, 2, -2, -2))
        painter.end()


class VasLine(QWidget):
    """A 0-100 VAS answer: ``value()`` is None until the line is touched; ``valueChanged`` carries int|None."""

    valueChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, interactive: bool = True,
                 fixed_line_px: int | None = None) -> None:
        super().__init__(parent)
        self._value: int | None = None
        self._fixed_line_px = fixed_line_px
        self.true_length = False
        self.track = _Track(self)
        self.track.interactive = interactive
        if not interactive:
            self.track.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.track.setCursor(Qt.CursorShape.ArrowCursor)
        self.track.touched.connect(self._on_touch)
        self.track.stepped.connect(self._on_step)
        self.low_anchor = QLabel(self)
        self.high_anchor = QLabel(self)
        # Anchors sit at the two ends of the line, level with it (the usual paper layout).
        for label, align in ((self.low_anchor, Qt.AlignmentFlag.AlignRight),
                             (self.high_anchor, Qt.AlignmentFlag.AlignLeft)):
            label.setWordWrap(True)
            label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
            label.setFixedWidth(ANCHOR_PX)
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.low_anchor, 0, Qt.AlignmentFlag.AlignVCenter)
        box.addWidget(self.track, 0, Qt.AlignmentFlag.AlignVCenter)
        box.addWidget(self.high_anchor, 0, Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.set_line_px(fixed_line_px or line_pixels(None)[0])

    # ---- public API -------------------------------------------------------------------------------
    def value(self) -> int | None:
        """Millimetres 0-100 from the left end, or None when the line has not been touched."""
        return self._value

    def set_value(self, value: int | None) -> None:
        """Show a stored answer again (e.g. returning to the question), or clear it with None."""
        if value is not None and not 0 <= value <= 100:
            raise ValueError(f"a VAS value is 0 to 100, not {value!r}")
        self._value = value
        self.track.fraction = None if value is None else value / 100
        self.track.update()

    def set_anchors(self, low: str, high: str) -> None:
        self.low_anchor.setText(low)
        self.high_anchor.setText(high)

    def set_accessible_question(self, text: str) -> None:
        self.track.setAccessibleName(text)

    def set_line_px(self, px: int) -> None:
        self.track.set_line_px(px)
        self.setFixedWidth(px + 2 * _PAD + 2 * self.low_anchor.maximumWidth())

    def line_px(self) -> int:
        return self.track.line_px

    def fit(self, screen: QScreen | None, available_px: int) -> None:
        """Size the line to 100 mm on ``screen``, or to ``available_px`` when 100 mm does not fit."""
        if self._fixed_line_px:
            return
        px, believable = line_pixels(screen)
        limit = max(200, available_px - 2 * _PAD - 2 * self.low_anchor.maximumWidth())
        self.true_length = believable and px <= limit
        self.set_line_px(min(px, limit))

    # ---- input ------------------------------------------------------------------------------------
    def _on_touch(self, fraction: float) -> None:
        self._set_from_user(round(fraction * 100))

    def _on_step(self, step: int) -> None:
        if step == _Track.HOME:
            new = 0
        elif step == _Track.END:
            new = 100
        elif self._value is None:
            new = 50
        elif step == _Track.PLACE:
            return
        else:
            new = min(100, max(0, self._value + step))
        self._set_from_user(new)

    def _set_from_user(self, value: int) -> None:
        changed = value != self._value
        self.set_value(value)
        if changed:
            self.valueChanged.emit(value)
