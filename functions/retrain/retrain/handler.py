"""RetrainFunction: on a schedule (or invoked by hand), retrain on the staff's corrections and promote
the candidate when it is not worse than the live model (``retrain.run``).

One run at a time (``ReservedConcurrentExecutions: 1``). A run that cannot start (no training material,
mail.feedback unreadable, the live model missing) fails the invocation with one line naming the cause
and the fix, so the function's Errors metric shows it; nothing is promoted then.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from planetmail.settings import Settings
from processor.artifact import ModelNotFoundError, UntrustedModelError
from retrain.examples import CorpusError
from retrain.feedback_topic import FeedbackUnavailable
from retrain.material import MaterialError
from retrain.models_folder import MissingObjectError
from retrain.run import retrain

log = logging.getLogger(__name__)
log.setLevel(logging.INFO)
STOPPING_ERRORS = (MaterialError, MissingObjectError, FeedbackUnavailable, CorpusError, ModelNotFoundError,
                   UntrustedModelError)


class RetrainError(RuntimeError):
    """This run could not retrain; the message says why and what to do."""


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The EventBridge event carries nothing the run needs."""
    settings = Settings.load()
    with tempfile.TemporaryDirectory(prefix="planetmail-retrain-") as scratch:
        try:
            result = retrain(settings, Path(scratch))
        except STOPPING_ERRORS as exc:
            log.error("retraining stopped: %s", exc)
            raise RetrainError(f"retraining stopped: {exc}") from None
    answer = result.to_dict()
    log.info("retrained: %s", answer)
    return answer
