"""Coordination of singleton jobs behind one interface (``base.Coordinator``), two backends.

- ``backends.coordinator(settings)``: the backend ``settings.coordination`` names, for one block.
- ``base``: the interface (``lead(job)``, ``document(name)``) and its errors.
- ``zookeeper``: the local stack's backend (lock nodes, versioned znodes) on:
  ``client`` (kazoo clients that reconnect within a second; ``process_identity()``), ``leader``
  (``LeaderElection``, ``run_as_leader``, ``try_lead``) and ``registry`` (ephemeral instance nodes).
- ``dynamodb``: the AWS backend (a lease item and version-checked items in the idempotency table).

The live configuration (ZooKeeper locally, SSM Parameter Store on AWS, re-read by TTL) is
``planetmail.config``.
"""
