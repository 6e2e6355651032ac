"""Insights over the store: training and evaluating the risk model, scoring open milestones,
scoring comments as they arrive, summaries and priority suggestions.

``fitting`` is the only module that imports scikit-learn and lifelines (seconds to import):
the console and the API score with the pure ``core.insights.risk`` and never load them.
"""
