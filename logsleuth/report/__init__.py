"""The report: a scan becomes plain facts (model, ranking, narrative) and the CI verdict."""
