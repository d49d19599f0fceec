"""Building and judging the processor's triage model: corpora, training, evaluation, plots, benchmark.

Laptop tooling: the processor image copies ``functions/processor/processor`` only (classifier,
model, signals, language, priority, model loading), never this package.
"""
