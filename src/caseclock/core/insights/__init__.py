"""What the engine infers from a record's timeline: pure functions, models passed in as data.

``text`` strips quoted replies; ``sentiment`` scores customer comments (VADER, whose lexicon
ships inside its package); ``urgency`` applies the documented cue list; ``blockers`` says what a
record waits on; ``features`` takes a milestone's as-of snapshot at an instant and turns it into
the numbers the risk model reads; ``risk`` applies a stored model and explains its score;
``summary`` writes the extractive handoff summary. Training and storage live in
``services/insights``.
"""
