"""The training engine: ``planetmail train``/``evaluate``/``model promote`` on a laptop, and the scheduled
RetrainFunction on AWS (``retrain.handler``) run the same code."""
