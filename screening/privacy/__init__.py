"""Data protection: erasure of a candidate's personal data (erasure.py), retention and
legal holds (retention.py), and the scrubbing they share (scrub.py, mail.py)."""
