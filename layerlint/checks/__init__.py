"""One module per rule or close family of rules; each registers its checks with ``@check``.

The compiled catalog records which module holds each rule's check, so the engine imports
only the modules of the rules that run.
"""
