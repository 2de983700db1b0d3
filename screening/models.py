# Candidates, applications, assignments, scorecards and calibration come here.
