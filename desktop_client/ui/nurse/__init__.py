"""Nurse mode: staff screens for screening, enrolment, clinician scores, adverse events and sync."""
