"""ZooKeeper (through kazoo) as planetmail's coordinator: registry and leader election.

- ``client``: ``zookeeper(settings)`` / ``new_client(settings)``, clients that reconnect within a
  second after an outage; ``process_identity()`` names this process (``host:pid``).
- ``registry``: ephemeral ``<root>/registry/<kind>/<instance>`` nodes; ``register``, ``registered``,
  ``watch_registry``.
- ``leader``: ``LeaderElection``, ``run_as_leader`` and ``try_lead`` for singleton jobs.

The live configuration, which may also come from the environment or SSM, is ``planetmail.config``.
"""
