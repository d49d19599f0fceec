"""Laptop-only helpers around the processor's triage model: plots, benchmark, ``--explain``, the
inputs of ``planetmail classify`` and the corpus's held-out split for ``planetmail bench``. Corpora,
training and evaluation are the retrain engine's (``functions/retrain/retrain``, which the retrain
image ships).

Laptop tooling: the processor image copies ``functions/processor/processor`` only (classifier,
model, signals, language, priority, model loading), never this package.
"""
