"""Stored texts the source has in Chinese, shown in the viewer's language (issue 23, point 5): a query's rule by
its title, the rule runner as an author, a CTCAE term by its Chinese name, a study drug by its label. Jinja
filters; what stays a code (an edit check's id) is marked ``translate="no"`` here, once."""

from __future__ import annotations

from flask import Flask, current_app
from markupsafe import Markup

from server.services.queries import SYSTEM
from server.web.i18n import language, t
from shared.grading import criterion_by_term
from shared.query_rules import rule_title
from shared.record_display import normal_range_text


def query_rule(rule: str | None) -> Markup:
    """A query's rule by its title; an edit check's id follows as a code (translate="no": a study-file id)."""
    if not rule:
        return Markup("")
    title, code = rule_title(rule)
    text = Markup.escape(title.in_language(language()))
    # translate="no": the edit check's id is a code of the study file
    return text + Markup(' <code translate="no">{}</code>').format(code) if code else text


def author(actor: str | None) -> Markup:
    """Who wrote a query step: the rule runner by name; a person's account id (translate="no": an id)."""
    if actor == SYSTEM:
        return Markup.escape(t("query.by_rules"))
    # translate="no": an account id
    return Markup('<span translate="no">{}</span>').format(actor or "")


def ctcae_term(term: str | None) -> Markup:
    """A CTCAE term in the viewer's language (the grading data's Chinese name); any other term is what a person
    typed (translate="no": data)."""
    crit = criterion_by_term(term or "")
    if crit is not None:
        return Markup.escape(crit.term_zh if language() == "zh" else crit.term)
    # translate="no": the term as a person typed it
    return Markup('<span translate="no">{}</span>').format(term or "")


def drug_name(drug_id: str) -> str:
    """A study drug by its label in the viewer's language (the study file's drugs), never its id."""
    study = current_app.extensions["trialpro"].study
    drug = next((d for d in study.drugs if d.id == drug_id), None)
    if drug is None:
        return drug_id
    return drug.label_zh if language() == "zh" else drug.label


def register(app: Flask) -> None:
    """Add the filters to ``app``'s Jinja environment."""
    app.jinja_env.filters.update(query_rule=query_rule, author=author, ctcae_term=ctcae_term, drug_name=drug_name)
    app.jinja_env.globals.update(normal_range=normal_range_text)
