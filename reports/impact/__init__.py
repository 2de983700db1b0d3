"""Adverse-impact analysis: whether a posting's stages, criteria or reviewers treat groups of
candidates differently. `stats` is pure numpy/scipy; `selectors` reads the stored data."""
