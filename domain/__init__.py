"""SchedulaX domain: aggregates, value objects and domain errors. No I/O."""
