"""The participant's screens on the kiosk: start, staff hand-over, questions, review, thank-you."""
