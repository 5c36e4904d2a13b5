"""Client use cases in plain Python (no Qt): recording, enrolment, sync. The UI and the simulator call these."""
