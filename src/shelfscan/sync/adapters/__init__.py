"""CRM adapters behind one interface, chosen by name in ``[sync] adapter``."""

from __future__ import annotations

from shelfscan.sync.adapters.base import Adapter
from shelfscan.sync.adapters.salesforce import SalesforceAdapter
from shelfscan.sync.adapters.webhook import WebhookAdapter

__all__ = ["Adapter", "SalesforceAdapter", "WebhookAdapter"]
