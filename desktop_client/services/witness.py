"""Writing out the kiosk's witness: the newest signed audit head the server gave this station.

The file goes to the data manager, who runs `trialpro-server audit verify
--witness FILE`: a chain cut or rewritten on the server after the kiosk saw its
head no longer matches it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from desktop_client.store import station as settings
from desktop_client.store import witness
from desktop_client.store.database import Store
from shared.errors import NoWitnessYet
from shared.records import utc_now
from shared.signed_head import witness_document


def write_witness(store: Store, out: Path) -> dict[str, Any]:
    """Write the kept head to ``out`` (atomically) and return the document; raises NoWitnessYet."""
    head = witness.newest(store)
    if head is None:
        raise NoWitnessYet("This station holds no signed audit head yet: sync it once the server has been "
                           "running for a minute, then write the witness again.")
    doc = witness_document(head, device_id=settings.get(store, settings.DEVICE_ID),
                           site_id=settings.get(store, settings.SITE_ID),
                           server_url=settings.get(store, settings.SERVER_URL),
                           received_at=head["received_at"], written_at=utc_now())
    out = Path(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    return doc
