"""The mock as a test harness (``serve --control``): the control API's logic under ``/_mock/``.

- ``access``: who may use it (a loopback client, or the ``--control-token``);
- ``state``: the versioned state document (export, import, ``serve --seed-file``) and reset;
- ``fault_rules``: the fault rules ``http.faults`` draws from (through ``Settings.fault_rule``);
- ``journal``: every request with its trace id, operation, agent, status, exit code and ledger delta;
- ``actions``: the clock and paying a checkout as the card form would;
- ``client``: the ``image-skill-mock state|clock|faults|journal|pay`` commands (stdlib HTTP only).
"""
