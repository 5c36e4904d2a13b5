"""Answer widgets shared by kiosk and nurse screens: the VAS line, numeric scales, choice buttons."""
