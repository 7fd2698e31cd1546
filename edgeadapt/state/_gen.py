"""Generate the Python and C layout constants from ``spec/state/layout.toml``.

Run ``python -m edgeadapt.state._gen`` from a checkout after editing the spec; it writes
``edgeadapt/state/_layout.py`` and ``firmware/include/edgeadapt/ea_layout.h``.
``--out DIR`` writes both files under ``DIR`` instead (the staleness test uses it), and
``--spec FILE`` reads another spec.

Examples
--------
>>> spec = load_spec(DEFAULT_SPEC)
>>> struct_format(spec["blob"]["header"])
'<4sHHIIQ'
>>> "EA_BLOB_HEADER_SIZE 24u" in render_c(spec)
True
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_SPEC", "load_spec", "struct_format", "render_python", "render_c", "generate"]

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = ROOT / "spec" / "state" / "layout.toml"
PY_OUT = Path("edgeadapt") / "state" / "_layout.py"
C_OUT = Path("firmware") / "include" / "edgeadapt" / "ea_layout.h"

_SCALAR = {"u8": ("B", 1), "u16": ("H", 2), "u32": ("I", 4), "u64": ("Q", 8)}
_STRUCTS = (("BLOB_HEADER", ("blob", "header")), ("ENTRY", ("blob", "entry")),
            ("STORE_HEADER", ("store", "header")), ("RECORD", ("store", "record")))


def _field_size(kind: str) -> int:
    if kind in _SCALAR:
        return _SCALAR[kind][1]
    if kind.startswith("bytes") and kind[5:].isdigit():
        return int(kind[5:])
    raise ValueError(f"layout spec: unknown field type {kind!r}; use u8/u16/u32/u64 or bytesN")


def _check_fields(where: str, fields: list[dict[str, Any]]) -> None:
    at = 0
    for f in fields:
        if f["offset"] != at:
            raise ValueError(f"layout spec: {where}.{f['name']} is at {f['offset']}, but the fields before it end at {at}")
        at += _field_size(f["type"])


def load_spec(path: str | Path) -> dict[str, Any]:
    """Read and check a layout spec (fields contiguous, types known)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # the package runs on 3.10; this developer tool reads TOML with tomli there
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise SystemExit("edgeadapt.state._gen needs Python >= 3.11 or 'pip install tomli'") from None
    with open(path, "rb") as fh:
        spec = tomllib.load(fh)
    for prefix, (group, part) in _STRUCTS:
        _check_fields(f"{group}.{part}", spec[group][part])
    return spec


def struct_format(fields: list[dict[str, Any]]) -> str:
    """The little-endian :mod:`struct` format of a list of fields."""
    out = "<"
    for f in fields:
        out += _SCALAR[f["type"]][0] if f["type"] in _SCALAR else f"{_field_size(f['type'])}s"
    return out


def _size(fields: list[dict[str, Any]]) -> int:
    return sum(_field_size(f["type"]) for f in fields)


def _scalars(spec: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(NAME, value, kind) of every scalar constant; kind is 'bytes' or 'int'."""
    b, s, lim = spec["blob"], spec["store"], spec["limits"]
    out: list[tuple[str, Any, str]] = [
        ("BLOB_MAGIC", b["magic"], "bytes"),
        ("BLOB_FORMAT_MAJOR", b["format_major"], "int"),
        ("BLOB_FORMAT_MINOR", b["format_minor"], "int"),
        ("BLOB_ALIGNMENT", b["alignment"], "int"),
        ("BLOB_CRC_SIZE", b["crc_size"], "int"),
        ("BLOB_DIM_SIZE", b["dim_size"], "int"),
        ("STORE_MAGIC", s["magic"], "bytes"),
        ("STORE_FORMAT_MAJOR", s["format_major"], "int"),
        ("STORE_FORMAT_MINOR", s["format_minor"], "int"),
        ("SLOT_MAGIC", s["slot_magic"], "bytes"),
        ("SLOT_COUNT", s["slot_count"], "int"),
        ("SLOT_ALIGNMENT", s["slot_alignment"], "int"),
        ("MIN_SLOT_CAPACITY", s["min_slot_capacity"], "int"),
        ("MAX_SLOT_CAPACITY", s["max_slot_capacity"], "int"),
        ("SLOT_GROWTH", s["slot_growth"], "int"),
        ("MAX_SEQUENCE", s["max_sequence"], "int"),
        ("MAX_NDIM", lim["max_ndim"], "int"),
        ("MAX_NAME_BYTES", lim["max_name_bytes"], "int"),
        ("MAX_ENTRY_BYTES", lim["max_entry_bytes"], "int"),
    ]
    for prefix, (group, part) in _STRUCTS:
        fields = spec[group][part]
        out.append((f"{prefix}_SIZE", _size(fields), "int"))
        for f in fields:
            out.append((f"{prefix}_{f['name'].upper()}_AT", f["offset"], "int"))
            out.append((f"{prefix}_{f['name'].upper()}_SIZE", _field_size(f["type"]), "int"))
    return out


HEADER = "generated from spec/state/layout.toml by `python -m edgeadapt.state._gen`; do not edit"


def render_python(spec: dict[str, Any]) -> str:
    """The text of ``edgeadapt/state/_layout.py``."""
    lines = [f'"""Layout constants of the state blob and store ({HEADER})."""', "", "# fmt: off"]
    for name, value, kind in _scalars(spec):
        lines.append(f"{name} = {value.encode('ascii')!r}" if kind == "bytes" else f"{name} = {value}")
    for prefix, (group, part) in _STRUCTS:
        lines.append(f"{prefix}_FORMAT = {struct_format(spec[group][part])!r}")
    lines.append("# (code, numpy name, bytes per item; 0 for a byte string)")
    lines.append("DTYPES = (")
    for d in spec["dtypes"]:
        lines.append(f"    ({d['code']}, {d['name']!r}, {d['item_size']}),")
    lines.append(")")
    for d in spec["dtypes"]:
        lines.append(f"DTYPE_{d['c_name']} = {d['code']}")
    lines.append("# (code, C name, message, Python error class or '')")
    lines.append("ERRORS = (")
    for e in spec["errors"]:
        lines.append(f"    ({e['code']}, {e['name']!r}, {e['message']!r}, {e['python']!r}),")
    lines.append(")")
    lines.append("# fmt: on")
    return "\n".join(lines) + "\n"


def _c_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_c(spec: dict[str, Any]) -> str:
    """The text of ``firmware/include/edgeadapt/ea_layout.h``."""
    lines = [f"/* Layout constants of the edgeadapt state blob and store: {HEADER}. */",
             "#ifndef EA_LAYOUT_H", "#define EA_LAYOUT_H", ""]
    for name, value, kind in _scalars(spec):
        if kind == "bytes":
            lines.append(f"#define EA_{name} {_c_string(value)}")
        else:
            suffix = "u" if value <= 0xFFFF else "ul" if value <= 0xFFFFFFFF else "ull"  # fits a 16-bit int, a long, ...
            lines.append(f"#define EA_{name} {value}{suffix}")
    lines += ["", "/* dtype codes */", "typedef enum ea_dtype {"]
    lines += [f"    EA_{d['c_name']} = {d['code']}," for d in spec["dtypes"]]
    lines += ["} ea_dtype;", "",
              "/* X(enum name, code, numpy name, bytes per item; 0 for a byte string) */",
              "#define EA_DTYPE_TABLE(X) \\"]
    lines += [f"    X(EA_{d['c_name']}, {d['code']}, {_c_string(d['name'])}, {d['item_size']}) \\" for d in spec["dtypes"]]
    lines += ["", "/* One error enum: 0 is success, failures are negative. */", "typedef enum ea_err {"]
    lines += [f"    EA_{'ERR_' if e['code'] else ''}{e['name']} = {e['code']}," for e in spec["errors"]]
    lines += ["} ea_err;", "", "/* X(enum name, message) */", "#define EA_ERROR_TABLE(X) \\"]
    lines += [f"    X(EA_{'ERR_' if e['code'] else ''}{e['name']}, {_c_string(e['message'])}) \\" for e in spec["errors"]]
    lines += ["", "#endif /* EA_LAYOUT_H */"]
    return "\n".join(lines) + "\n"


def generate(spec_path: str | Path = DEFAULT_SPEC, out: str | Path = ROOT) -> list[Path]:
    """Write both generated files under ``out`` and return their paths."""
    spec = load_spec(spec_path)
    written = []
    for rel, text in ((PY_OUT, render_python(spec)), (C_OUT, render_c(spec))):
        path = Path(out) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgeadapt.state._gen", description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=str(DEFAULT_SPEC), help="layout spec (TOML)")
    parser.add_argument("--out", default=str(ROOT), help="root under which to write the generated files")
    args = parser.parse_args(argv)
    for path in generate(args.spec, args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
