"""The JSON API under ``/api/v1`` (数据接口): read models, schemas, the OpenAPI document.

Requests carry a personal token (``assess.accounts.tokens``) and run as its person through
``assess.core.policy``, like the pages.
"""
