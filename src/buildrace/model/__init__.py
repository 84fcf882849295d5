"""The data model, no maths: the base-year World, Scenario and lever specs, checks,
and :mod:`buildrace.model.compile`, the one place a Scenario becomes arrays."""
