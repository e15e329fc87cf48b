"""CRM adapters behind one interface, chosen by name in ``[sync] adapter``."""

from __future__ import annotations

from typing import Protocol

import sqlite_utils

from shelfscan.errors import ConfigError
from shelfscan.sync.adapters.base import Adapter
from shelfscan.sync.adapters.salesforce import SalesforceAdapter
from shelfscan.sync.adapters.webhook import WebhookAdapter
from shelfscan.sync.config import ADAPTERS, SyncSettings
from shelfscan.sync.http import HttpClient


class AdapterFactory(Protocol):
    """Builds one CRM's adapter from the sync settings, its HTTP client and the store."""

    def __call__(
        self, client: HttpClient, settings: SyncSettings, db: sqlite_utils.Database
    ) -> Adapter: ...


def _webhook(client: HttpClient, settings: SyncSettings, db: sqlite_utils.Database) -> Adapter:
    return WebhookAdapter(client, settings.url, settings.target, settings.batch_size)


def _salesforce(client: HttpClient, settings: SyncSettings, db: sqlite_utils.Database) -> Adapter:
    return SalesforceAdapter(
        client,
        settings.url,
        settings.target,
        api_version=settings.api_version,
        external_id_field=settings.external_id_field,
        max_batch=settings.batch_size,
        db=db,
        upload_photos=settings.upload_photos,
        upload_settle_s=settings.upload_settle_s,
    )


FACTORIES: dict[str, AdapterFactory] = {"webhook": _webhook, "salesforce": _salesforce}
if tuple(FACTORIES) != ADAPTERS:  # sync.config validates names before any import of this
    raise RuntimeError(f"sync.config.ADAPTERS {ADAPTERS} != registered {tuple(FACTORIES)}")


def get_adapter_factory(name: str) -> AdapterFactory:
    """The factory registered as ``name``; ``ConfigError`` listing the valid names if none."""
    try:
        return FACTORIES[name]
    except KeyError:
        raise ConfigError(
            f"sync.adapter: unknown {name!r} (valid: {', '.join(FACTORIES)})"
        ) from None


__all__ = [
    "FACTORIES",
    "Adapter",
    "AdapterFactory",
    "SalesforceAdapter",
    "WebhookAdapter",
    "get_adapter_factory",
]
