/* Layout constants of the edgeadapt state blob and store: generated from spec/state/layout.toml by `python -m edgeadapt.state._gen`; do not edit. */
#ifndef EA_LAYOUT_H
#define EA_LAYOUT_H

#define EA_BLOB_MAGIC "EAST"
#define EA_BLOB_FORMAT_MAJOR 1u
#define EA_BLOB_FORMAT_MINOR 0u
#define EA_BLOB_ALIGNMENT 8u
#define EA_BLOB_CRC_SIZE 4u
#define EA_BLOB_DIM_SIZE 4u
#define EA_STORE_MAGIC "EASF"
#define EA_STORE_FORMAT_MAJOR 1u
#define EA_STORE_FORMAT_MINOR 0u
#define EA_SLOT_MAGIC "EASL"
#define EA_SLOT_COUNT 2u
#define EA_SLOT_ALIGNMENT 512u
#define EA_MIN_SLOT_CAPACITY 4096u
#define EA_MAX_SLOT_CAPACITY 4294967296ull
#define EA_SLOT_GROWTH 2u
#define EA_MAX_SEQUENCE 18446744073709551615ull
#define EA_MAX_NDIM 8u
#define EA_MAX_NAME_BYTES 255u
#define EA_MAX_ENTRY_BYTES 4294967295ul
#define EA_BLOB_HEADER_SIZE 24u
#define EA_BLOB_HEADER_MAGIC_AT 0u
#define EA_BLOB_HEADER_MAGIC_SIZE 4u
#define EA_BLOB_HEADER_FORMAT_MAJOR_AT 4u
#define EA_BLOB_HEADER_FORMAT_MAJOR_SIZE 2u
#define EA_BLOB_HEADER_FORMAT_MINOR_AT 6u
#define EA_BLOB_HEADER_FORMAT_MINOR_SIZE 2u
#define EA_BLOB_HEADER_HEADER_SIZE_AT 8u
#define EA_BLOB_HEADER_HEADER_SIZE_SIZE 4u
#define EA_BLOB_HEADER_ENTRY_COUNT_AT 12u
#define EA_BLOB_HEADER_ENTRY_COUNT_SIZE 4u
#define EA_BLOB_HEADER_PAYLOAD_SIZE_AT 16u
#define EA_BLOB_HEADER_PAYLOAD_SIZE_SIZE 8u
#define EA_ENTRY_SIZE 16u
#define EA_ENTRY_ENTRY_SIZE_AT 0u
#define EA_ENTRY_ENTRY_SIZE_SIZE 4u
#define EA_ENTRY_NAME_SIZE_AT 4u
#define EA_ENTRY_NAME_SIZE_SIZE 2u
#define EA_ENTRY_DTYPE_AT 6u
#define EA_ENTRY_DTYPE_SIZE 1u
#define EA_ENTRY_NDIM_AT 7u
#define EA_ENTRY_NDIM_SIZE 1u
#define EA_ENTRY_DATA_SIZE_AT 8u
#define EA_ENTRY_DATA_SIZE_SIZE 8u
#define EA_STORE_HEADER_SIZE 64u
#define EA_STORE_HEADER_MAGIC_AT 0u
#define EA_STORE_HEADER_MAGIC_SIZE 4u
#define EA_STORE_HEADER_FORMAT_MAJOR_AT 4u
#define EA_STORE_HEADER_FORMAT_MAJOR_SIZE 2u
#define EA_STORE_HEADER_FORMAT_MINOR_AT 6u
#define EA_STORE_HEADER_FORMAT_MINOR_SIZE 2u
#define EA_STORE_HEADER_HEADER_SIZE_AT 8u
#define EA_STORE_HEADER_HEADER_SIZE_SIZE 4u
#define EA_STORE_HEADER_FLAGS_AT 12u
#define EA_STORE_HEADER_FLAGS_SIZE 4u
#define EA_STORE_HEADER_FACTORY_OFFSET_AT 16u
#define EA_STORE_HEADER_FACTORY_OFFSET_SIZE 8u
#define EA_STORE_HEADER_FACTORY_SIZE_AT 24u
#define EA_STORE_HEADER_FACTORY_SIZE_SIZE 8u
#define EA_STORE_HEADER_SLOTS_OFFSET_AT 32u
#define EA_STORE_HEADER_SLOTS_OFFSET_SIZE 8u
#define EA_STORE_HEADER_SLOT_CAPACITY_AT 40u
#define EA_STORE_HEADER_SLOT_CAPACITY_SIZE 8u
#define EA_STORE_HEADER_RESERVED_AT 48u
#define EA_STORE_HEADER_RESERVED_SIZE 12u
#define EA_STORE_HEADER_HEADER_CRC_AT 60u
#define EA_STORE_HEADER_HEADER_CRC_SIZE 4u
#define EA_RECORD_SIZE 32u
#define EA_RECORD_MAGIC_AT 0u
#define EA_RECORD_MAGIC_SIZE 4u
#define EA_RECORD_SLOT_INDEX_AT 4u
#define EA_RECORD_SLOT_INDEX_SIZE 4u
#define EA_RECORD_SEQUENCE_AT 8u
#define EA_RECORD_SEQUENCE_SIZE 8u
#define EA_RECORD_PAYLOAD_SIZE_AT 16u
#define EA_RECORD_PAYLOAD_SIZE_SIZE 8u
#define EA_RECORD_PAYLOAD_CRC_AT 24u
#define EA_RECORD_PAYLOAD_CRC_SIZE 4u
#define EA_RECORD_RECORD_CRC_AT 28u
#define EA_RECORD_RECORD_CRC_SIZE 4u

/* dtype codes */
typedef enum ea_dtype {
    EA_F32 = 1,
    EA_F64 = 2,
    EA_I8 = 3,
    EA_I32 = 4,
    EA_I64 = 5,
    EA_U8 = 6,
    EA_U32 = 7,
    EA_U64 = 8,
    EA_BOOL = 9,
    EA_I16 = 10,
    EA_U16 = 11,
    EA_BYTES = 16,
    EA_UTF8 = 17,
} ea_dtype;

/* X(enum name, code, numpy name, bytes per item; 0 for a byte string) */
#define EA_DTYPE_TABLE(X) \
    X(EA_F32, 1, "float32", 4) \
    X(EA_F64, 2, "float64", 8) \
    X(EA_I8, 3, "int8", 1) \
    X(EA_I32, 4, "int32", 4) \
    X(EA_I64, 5, "int64", 8) \
    X(EA_U8, 6, "uint8", 1) \
    X(EA_U32, 7, "uint32", 4) \
    X(EA_U64, 8, "uint64", 8) \
    X(EA_BOOL, 9, "bool", 1) \
    X(EA_I16, 10, "int16", 2) \
    X(EA_U16, 11, "uint16", 2) \
    X(EA_BYTES, 16, "bytes", 0) \
    X(EA_UTF8, 17, "utf8", 0) \

/* One error enum: 0 is success, failures are negative. */
typedef enum ea_err {
    EA_OK = 0,
    EA_ERR_ARG = -1,
    EA_ERR_MAGIC = -2,
    EA_ERR_TRUNCATED = -3,
    EA_ERR_CRC = -4,
    EA_ERR_VERSION = -5,
    EA_ERR_FORMAT = -6,
    EA_ERR_NOT_FOUND = -7,
    EA_ERR_TYPE = -8,
    EA_ERR_NO_VALID_SLOT = -9,
    EA_ERR_NO_SPACE = -10,
    EA_ERR_IO = -11,
} ea_err;

/* X(enum name, message) */
#define EA_ERROR_TABLE(X) \
    X(EA_OK, "ok") \
    X(EA_ERR_ARG, "invalid argument") \
    X(EA_ERR_MAGIC, "not an edgeadapt blob or store (wrong magic)") \
    X(EA_ERR_TRUNCATED, "truncated: shorter than its header declares") \
    X(EA_ERR_CRC, "CRC mismatch: the bytes are corrupt") \
    X(EA_ERR_VERSION, "written by an unknown format version: upgrade edgeadapt") \
    X(EA_ERR_FORMAT, "inconsistent fields: the bytes are corrupt") \
    X(EA_ERR_NOT_FOUND, "no entry of that name") \
    X(EA_ERR_TYPE, "entry has another dtype or size than expected") \
    X(EA_ERR_NO_VALID_SLOT, "no slot holds a good state: reset to the factory state") \
    X(EA_ERR_NO_SPACE, "does not fit: the buffer, slot or device is too small") \
    X(EA_ERR_IO, "the storage layer failed to read, program, erase or sync") \

#endif /* EA_LAYOUT_H */
