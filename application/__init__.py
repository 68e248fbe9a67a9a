"""Use cases: commands over aggregates, authorisation, queries over read-model ports."""
