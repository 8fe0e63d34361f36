"""Real-time events: notices that a record was approved, saved or deleted in SPP or NetSuite, or
asked for by hand (single-record export), checked and signed at the door, queued durably in the
state store, and drained through the same workflows, plan and load code as the bulk runs.

- ``notices``: what a notice may say (strict), its de-duplication key, the queue's event types;
- ``signatures``: who sent it (SPP: HMAC-SHA256 with a per-sender key; NetSuite: a JWT signed with
  the private key of a registered certificate) and the keys' registry;
- ``drain``: take due events, run them through their workflows by record id, settle each one.
"""
