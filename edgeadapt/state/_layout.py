"""Layout constants of the state blob and store (generated from spec/state/layout.toml by `python -m edgeadapt.state._gen`; do not edit)."""

# fmt: off
BLOB_MAGIC = b'EAST'
BLOB_FORMAT_MAJOR = 1
BLOB_FORMAT_MINOR = 0
BLOB_ALIGNMENT = 8
BLOB_CRC_SIZE = 4
BLOB_DIM_SIZE = 4
STORE_MAGIC = b'EASF'
STORE_FORMAT_MAJOR = 1
STORE_FORMAT_MINOR = 0
SLOT_MAGIC = b'EASL'
SLOT_COUNT = 2
SLOT_ALIGNMENT = 512
MIN_SLOT_CAPACITY = 4096
MAX_SLOT_CAPACITY = 4294967296
SLOT_GROWTH = 2
MAX_SEQUENCE = 18446744073709551615
MAX_NDIM = 8
MAX_NAME_BYTES = 255
MAX_ENTRY_BYTES = 4294967295
BLOB_HEADER_SIZE = 24
BLOB_HEADER_MAGIC_AT = 0
BLOB_HEADER_MAGIC_SIZE = 4
BLOB_HEADER_FORMAT_MAJOR_AT = 4
BLOB_HEADER_FORMAT_MAJOR_SIZE = 2
BLOB_HEADER_FORMAT_MINOR_AT = 6
BLOB_HEADER_FORMAT_MINOR_SIZE = 2
BLOB_HEADER_HEADER_SIZE_AT = 8
BLOB_HEADER_HEADER_SIZE_SIZE = 4
BLOB_HEADER_ENTRY_COUNT_AT = 12
BLOB_HEADER_ENTRY_COUNT_SIZE = 4
BLOB_HEADER_PAYLOAD_SIZE_AT = 16
BLOB_HEADER_PAYLOAD_SIZE_SIZE = 8
ENTRY_SIZE = 16
ENTRY_ENTRY_SIZE_AT = 0
ENTRY_ENTRY_SIZE_SIZE = 4
ENTRY_NAME_SIZE_AT = 4
ENTRY_NAME_SIZE_SIZE = 2
ENTRY_DTYPE_AT = 6
ENTRY_DTYPE_SIZE = 1
ENTRY_NDIM_AT = 7
ENTRY_NDIM_SIZE = 1
ENTRY_DATA_SIZE_AT = 8
ENTRY_DATA_SIZE_SIZE = 8
STORE_HEADER_SIZE = 64
STORE_HEADER_MAGIC_AT = 0
STORE_HEADER_MAGIC_SIZE = 4
STORE_HEADER_FORMAT_MAJOR_AT = 4
STORE_HEADER_FORMAT_MAJOR_SIZE = 2
STORE_HEADER_FORMAT_MINOR_AT = 6
STORE_HEADER_FORMAT_MINOR_SIZE = 2
STORE_HEADER_HEADER_SIZE_AT = 8
STORE_HEADER_HEADER_SIZE_SIZE = 4
STORE_HEADER_FLAGS_AT = 12
STORE_HEADER_FLAGS_SIZE = 4
STORE_HEADER_FACTORY_OFFSET_AT = 16
STORE_HEADER_FACTORY_OFFSET_SIZE = 8
STORE_HEADER_FACTORY_SIZE_AT = 24
STORE_HEADER_FACTORY_SIZE_SIZE = 8
STORE_HEADER_SLOTS_OFFSET_AT = 32
STORE_HEADER_SLOTS_OFFSET_SIZE = 8
STORE_HEADER_SLOT_CAPACITY_AT = 40
STORE_HEADER_SLOT_CAPACITY_SIZE = 8
STORE_HEADER_RESERVED_AT = 48
STORE_HEADER_RESERVED_SIZE = 12
STORE_HEADER_HEADER_CRC_AT = 60
STORE_HEADER_HEADER_CRC_SIZE = 4
RECORD_SIZE = 32
RECORD_MAGIC_AT = 0
RECORD_MAGIC_SIZE = 4
RECORD_SLOT_INDEX_AT = 4
RECORD_SLOT_INDEX_SIZE = 4
RECORD_SEQUENCE_AT = 8
RECORD_SEQUENCE_SIZE = 8
RECORD_PAYLOAD_SIZE_AT = 16
RECORD_PAYLOAD_SIZE_SIZE = 8
RECORD_PAYLOAD_CRC_AT = 24
RECORD_PAYLOAD_CRC_SIZE = 4
RECORD_RECORD_CRC_AT = 28
RECORD_RECORD_CRC_SIZE = 4
BLOB_HEADER_FORMAT = '<4sHHIIQ'
ENTRY_FORMAT = '<IHBBQ'
STORE_HEADER_FORMAT = '<4sHHIIQQQQ12sI'
RECORD_FORMAT = '<4sIQQII'
# (code, numpy name, bytes per item; 0 for a byte string)
DTYPES = (
    (1, 'float32', 4),
    (2, 'float64', 8),
    (3, 'int8', 1),
    (4, 'int32', 4),
    (5, 'int64', 8),
    (6, 'uint8', 1),
    (7, 'uint32', 4),
    (8, 'uint64', 8),
    (9, 'bool', 1),
    (10, 'int16', 2),
    (11, 'uint16', 2),
    (16, 'bytes', 0),
    (17, 'utf8', 0),
)
DTYPE_F32 = 1
DTYPE_F64 = 2
DTYPE_I8 = 3
DTYPE_I32 = 4
DTYPE_I64 = 5
DTYPE_U8 = 6
DTYPE_U32 = 7
DTYPE_U64 = 8
DTYPE_BOOL = 9
DTYPE_I16 = 10
DTYPE_U16 = 11
DTYPE_BYTES = 16
DTYPE_UTF8 = 17
# (code, C name, message, Python error class or '')
ERRORS = (
    (0, 'OK', 'ok', ''),
    (-1, 'ARG', 'invalid argument', ''),
    (-2, 'MAGIC', 'not an edgeadapt blob or store (wrong magic)', 'StateFormatError'),
    (-3, 'TRUNCATED', 'truncated: shorter than its header declares', 'StateTruncatedError'),
    (-4, 'CRC', 'CRC mismatch: the bytes are corrupt', 'StateChecksumError'),
    (-5, 'VERSION', 'written by an unknown format version: upgrade edgeadapt', 'StateVersionError'),
    (-6, 'FORMAT', 'inconsistent fields: the bytes are corrupt', 'StateFormatError'),
    (-7, 'NOT_FOUND', 'no entry of that name', ''),
    (-8, 'TYPE', 'entry has another dtype or size than expected', ''),
    (-9, 'NO_VALID_SLOT', 'no slot holds a good state: reset to the factory state', 'NoValidStateError'),
    (-10, 'NO_SPACE', 'does not fit: the buffer, slot or device is too small', ''),
    (-11, 'IO', 'the storage layer failed to read, program, erase or sync', ''),
)
# fmt: on
