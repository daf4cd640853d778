"""Mail through the outbox: queued in the transaction of its cause, sent by the worker."""
