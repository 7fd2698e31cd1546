"""State: the blob format, power-loss-safe stores and orthogonal persistence.

Importing the package imports nothing else: each name is imported on first use (see
``edgeadapt._lazy``), so ``edgeadapt --help`` does not load numpy.

Examples
--------
>>> import numpy as np
>>> from edgeadapt.state import MemoryStore, encode_blob, decode_blob
>>> decode_blob(encode_blob({"x": np.arange(3, dtype=np.int32)}))["x"].tolist()
[0, 1, 2]
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_package

if TYPE_CHECKING:
    from .blob import (
        FORMAT_MAJOR,
        FORMAT_MINOR,
        BlobEntry,
        BlobInfo,
        crc32,
        decode_blob,
        encode_blob,
        read_blob_info,
    )
    from .persist import COMPONENT_KEY, Coalesced, EveryUpdate, Persistent, WritePolicy, persist
    from .protocol import (
        StateGroup,
        Stateful,
        component_name,
        expect_array,
        expect_keys,
        expect_scalar,
        mutator,
    )
    from .storage import FileStorage, MemoryStorage, Storage
    from .lock import DEFAULT_LOCK_TIMEOUT
    from .store import DEFAULT_MAX_BLOB_BYTES, FileStore, MemoryStore, SlotInfo, SlotStore, StoreInfo

_EXPORTS = {
    "FORMAT_MAJOR": ".blob",
    "FORMAT_MINOR": ".blob",
    "BlobEntry": ".blob",
    "BlobInfo": ".blob",
    "crc32": ".blob",
    "decode_blob": ".blob",
    "encode_blob": ".blob",
    "read_blob_info": ".blob",
    "COMPONENT_KEY": ".persist",
    "Coalesced": ".persist",
    "EveryUpdate": ".persist",
    "Persistent": ".persist",
    "WritePolicy": ".persist",
    "persist": ".persist",
    "StateGroup": ".protocol",
    "Stateful": ".protocol",
    "component_name": ".protocol",
    "expect_array": ".protocol",
    "expect_keys": ".protocol",
    "expect_scalar": ".protocol",
    "mutator": ".protocol",
    "FileStorage": ".storage",
    "MemoryStorage": ".storage",
    "Storage": ".storage",
    "DEFAULT_MAX_BLOB_BYTES": ".store",
    "DEFAULT_LOCK_TIMEOUT": ".lock",
    "FileStore": ".store",
    "MemoryStore": ".store",
    "SlotInfo": ".store",
    "SlotStore": ".store",
    "StoreInfo": ".store",
}
__all__ = list(_EXPORTS)
lazy_package(__name__, _EXPORTS)
