"""The study definition: a file, not code (see studies/)."""

from shared.study.loader import default_study, load_study, parse_study
from shared.study.model import Arm, Study, Visit

__all__ = ["Arm", "Study", "Visit", "default_study", "load_study", "parse_study"]
