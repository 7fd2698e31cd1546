"""State: the blob format, power-loss-safe stores and orthogonal persistence.

Examples
--------
>>> import numpy as np
>>> from edgeadapt.state import MemoryStore, encode_blob, decode_blob
>>> decode_blob(encode_blob({"x": np.arange(3, dtype=np.int32)}))["x"].tolist()
[0, 1, 2]
"""

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
from .store import DEFAULT_MAX_BLOB_BYTES, FileStore, MemoryStore, SlotInfo, SlotStore, StoreInfo

__all__ = [
    "FORMAT_MAJOR",
    "FORMAT_MINOR",
    "BlobEntry",
    "BlobInfo",
    "crc32",
    "decode_blob",
    "encode_blob",
    "read_blob_info",
    "COMPONENT_KEY",
    "Coalesced",
    "EveryUpdate",
    "Persistent",
    "WritePolicy",
    "persist",
    "StateGroup",
    "Stateful",
    "component_name",
    "expect_array",
    "expect_keys",
    "expect_scalar",
    "mutator",
    "FileStorage",
    "MemoryStorage",
    "Storage",
    "DEFAULT_MAX_BLOB_BYTES",
    "FileStore",
    "MemoryStore",
    "SlotInfo",
    "SlotStore",
    "StoreInfo",
]
