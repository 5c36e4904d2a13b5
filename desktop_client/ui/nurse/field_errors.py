"""Refusals shown where the refused field is: a red frame around it, the reason on the line below it, and the
first one scrolled into view (a list under the Save button was off-screen on a long form).

A form registers its fields by the validator's field paths (``data.term``, ``data.causality.<drug>``); the
refusal's wording stays the screen's own (``problems.problem_text`` or the form's ``describe_problem``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QBoxLayout, QFormLayout, QLayout, QScrollArea, QWidget

from desktop_client.ui.nurse.widgets import MessageLabel
from shared.errors import FieldProblem


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class FieldErrors:
    """The refusal lines of one form, one below each registered field's row (a form layout's row, or the
    widget's place in a box layout: a list of group boxes such as the rated domains)."""

    def __init__(self, form: QFormLayout | QBoxLayout) -> None:
        self._form = form
        self._fields: dict[str, tuple[QWidget, MessageLabel]] = {}
        self._rows: dict[int, MessageLabel] = {}

    def register(self, field: str, widget: QWidget, row: QWidget | QLayout | None = None) -> None:
        """``field``'s refusals frame ``widget`` and are said below the form row holding ``row`` (default: the
        widget itself); fields of one row share its line."""
        anchor = row if row is not None else widget
        if isinstance(self._form, QFormLayout):
            position, _role = (self._form.getLayoutPosition(anchor) if isinstance(anchor, QLayout)
                               else self._form.getWidgetPosition(anchor))
        else:
            position = self._form.indexOf(anchor)
        if position < 0:
            raise ValueError(f"{field}: the widget or layout is not a row of this form")
        key = id(anchor)
        if key not in self._rows:
            line = MessageLabel()
            line.setObjectName(f"error:{field}")
            if isinstance(self._form, QFormLayout):
                self._form.insertRow(position + 1, line)
            else:
                self._form.insertWidget(position + 1, line)
            self._rows[key] = line
        self._fields[field] = (widget, self._rows[key])

    def clear(self) -> None:
        for widget, line in self._fields.values():
            widget.setProperty("invalid", False)
            _repolish(widget)
            line.clear_message()

    def show(self, problems: Iterable[FieldProblem], text: Callable[[FieldProblem], str]) -> QWidget | None:
        """Frame each refused field and say why below it; scroll to the first one. Returns that widget (None when
        no refused field is on this form)."""
        return self.say((p.field, text(p)) for p in problems)

    def say(self, refusals: Iterable[tuple[str, str]]) -> QWidget | None:
        """``show`` for refusals the screen found itself: (field, reason already in the screen's language)."""
        self.clear()
        said: dict[int, list[str]] = {}
        first: QWidget | None = None
        for field, reason in refusals:
            if field not in self._fields:
                continue
            widget, line = self._fields[field]
            widget.setProperty("invalid", True)
            _repolish(widget)
            said.setdefault(id(line), []).append(reason)
            line.problem("\n".join(said[id(line)]))
            first = first or widget
        if first is not None:
            first.setFocus()             # before the scroll: taking focus may scroll the page to the field's top
            scroll_to(first, self._fields_line(first))
        return first

    def _fields_line(self, widget: QWidget) -> MessageLabel | None:
        return next((line for w, line in self._fields.values() if w is widget), None)

    def line_for(self, field: str) -> MessageLabel:
        """The refusal line below ``field`` (tests read it)."""
        return self._fields[field][1]


def scroll_to(widget: QWidget, below: QWidget | None = None) -> None:
    """Scroll the page holding ``widget`` so that it is in view (a little margin above), and the refusal line
    ``below`` it too when the page is tall enough. The layouts are settled first: a line just shown (or a
    "Saving…" just hidden) moves what is below it, and a scroll from the old positions missed the line."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    if parent is None:
        return
    page = parent.widget()
    for holder in [page, *page.findChildren(QWidget)] if page is not None else []:
        if holder.layout() is not None:
            holder.layout().activate()
    def ensure() -> None:
        try:
            parent.ensureWidgetVisible(widget, 40, 120)
            if below is not None and below.isVisible():   # last: a tall field never pushes its reason out of view
                parent.ensureWidgetVisible(below, 40, 40)
        except RuntimeError:                              # the page was closed before the deferred scroll
            pass

    ensure()
    QTimer.singleShot(0, ensure)     # again once pending layouts (a line just shown) have run
